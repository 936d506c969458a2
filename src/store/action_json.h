// The outbox payload: an Action as a small JSON object, and back. Pure; thread-safe.
#pragma once

#include <optional>
#include <string>

#include "core/action.h"

namespace ogpd::store {

std::string action_to_json(const Action& action);
std::optional<Action> action_from_json(const std::string& json);

}  // namespace ogpd::store
