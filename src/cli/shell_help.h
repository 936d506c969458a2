// Shell completion (bash, zsh) and a man page, both generated from the command line's own definition (the
// CLI11 app parse_command_line builds), so they can never list a flag or subcommand the binary lacks.
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace ogpd::cli {

// A bash completion script for `app` (complete -F): subcommands, nested subcommands and each one's --flags.
// zsh: the same script after bashcompinit.
std::string completion_script(const CLI::App& app, const std::string& shell);

// ogpd-proxy(1) in roff: NAME, SYNOPSIS, DESCRIPTION, COMMANDS (each with its options), OPTIONS (the
// settings, each with its environment variable and default), FILES, SEE ALSO.
std::string man_page(const CLI::App& app, const std::string& version);

}  // namespace ogpd::cli
