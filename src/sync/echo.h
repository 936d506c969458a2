// Echo: what the proxy's own change looks like when the vendor reports it back as a webhook.
//
// Before the proxy performs an action on a side it records echo_of(action); when a webhook arrives, the
// engine asks whether echo_of(event) is recorded — if so the webhook is the proxy's own change coming back,
// and is consumed instead of mirrored (loop guard 2). Pure; thread-safe.
#pragma once

#include <optional>
#include <string>

#include "core/action.h"
#include "core/echo.h"
#include "core/event.h"

namespace ogpd::sync {

// The echo an action will cause, once its target id is known (`target_id`: alert id or incident id).
std::optional<Echo> echo_of(const Action& action, const std::string& target_id);

// The echo this webhook would be, if the proxy caused it; nullopt for kinds that are never echoes.
std::optional<Echo> echo_of(const Event& event);

}  // namespace ogpd::sync
