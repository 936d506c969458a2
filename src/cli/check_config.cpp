#include "cli/check_config.h"

#include <boost/json.hpp>
#include <charconv>
#include <ostream>

#include "cli/routes.h"

namespace ogpd::cli {

namespace json = boost::json;

int run_check_config(const ops::Config& config, bool as_json, std::ostream& out, std::ostream& /*err*/) {
  if (as_json) {
    json::object settings;
    // Numbers and booleans as JSON numbers and booleans, so a script compares them as such.
    for (const auto& spec : ops::setting_specs()) {
      const std::string shown = spec.show(config);
      const std::string_view type = ops::setting_type(spec);
      long long number = 0;
      const auto [end, ec] = std::from_chars(shown.data(), shown.data() + shown.size(), number);
      if (type == "INT" && ec == std::errc{} && end == shown.data() + shown.size())
        settings[spec.name] = number;
      else if (type == "BOOL" && (shown == "true" || shown == "false"))
        settings[spec.name] = shown == "true";
      else
        settings[spec.name] = shown;
    }
    json::array missing;
    for (const auto& name : config.missing_credentials) missing.emplace_back(name);
    json::array routes;
    for (const auto& route : config.routes.routes) routes.emplace_back(route.name);
    out << json::serialize(json::object{{"ok", true},
                                        {"store", ops::store_label(config)},
                                        {"dry_run", config.dry_run},
                                        {"missing_credentials", std::move(missing)},
                                        {"routes", std::move(routes)},
                                        {"settings", std::move(settings)}})
        << "\n";
    return 0;
  }
  for (const auto& line : ops::describe(config)) out << line << "\n";
  out << "store: " << ops::store_label(config) << "\n";
  print_route_table(config.routes, out);
  if (!config.missing_credentials.empty()) out << "note: credentials missing, so DRY_RUN is on\n";
  out << "configuration OK\n";
  return 0;
}

void print_settings_error(const std::string& error, bool as_json, std::ostream& out, std::ostream& err) {
  if (as_json) {
    out << json::serialize(json::object{{"ok", false}, {"error", error}}) << "\n";
    return;
  }
  err << "ogpd-proxy: configuration error: " << error << "\n";
}

}  // namespace ogpd::cli
