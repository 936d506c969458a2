#include "cli/dead_letters.h"

#include <boost/json.hpp>
#include <charconv>
#include <ostream>

#include "core/text.h"

namespace ogpd::cli {
namespace {

boost::json::object to_json(const store::OutboxItem& item) {
  boost::json::object o{{"id", item.id},
                        {"event_id", item.event_id},
                        {"state", to_string(item.state)},
                        {"action", to_string(item.action.kind)},
                        {"pair", item.pair_key},
                        {"attempts", item.attempts},
                        {"error", item.last_error}};
  if (item.action.alert_id) o["alert_id"] = *item.action.alert_id;
  if (item.action.incident_id) o["incident_id"] = *item.action.incident_id;
  return o;
}

std::vector<store::OutboxItem> dead_letters(store::StoreAdmin& store) {
  auto items = store.actions_in_state(store::ActionState::kDead, 100000);
  auto unpaired = store.actions_in_state(store::ActionState::kUnpaired, 100000);
  items.insert(items.end(), unpaired.begin(), unpaired.end());
  std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return items;
}

std::optional<std::int64_t> parse_id(const std::string& text) {
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc{} || end != text.data() + text.size() || id <= 0) return std::nullopt;
  return id;
}

}  // namespace

int run_dead_letters(store::StoreAdmin& store, const DeadLetterCommand& c, std::ostream& out,
                     std::ostream& err, std::int64_t now_ms) {
  if (c.verb == "list") {
    const auto items = dead_letters(store);
    if (c.json) {
      boost::json::array list;
      for (const auto& item : items) list.push_back(to_json(item));
      out << boost::json::serialize(list) << "\n";
      return 0;
    }
    if (items.empty()) {
      out << "no dead letters\n";
      return 0;
    }
    for (const auto& i : items)
      out << i.id << "  " << to_string(i.state) << "  " << to_string(i.action.kind) << "  "
          << printable(i.pair_key) << "  attempts=" << i.attempts << "  " << printable(i.last_error) << "\n";
    return 0;
  }
  if (c.verb == "replay" && c.all) {
    int replayed = 0, failed = 0;
    for (const auto& item : dead_letters(store)) {
      if (auto s = store.replay(item.id, now_ms); s.ok()) {
        ++replayed;
      } else {
        ++failed;
        err << "ogpd-proxy: dead-letters replay " << item.id << ": " << printable(s.message()) << "\n";
      }
    }
    if (c.json) {
      out << "{\"replayed\":" << replayed << ",\"failed\":" << failed << "}\n";
    } else {
      out << "replayed " << replayed << " action(s)"
          << (failed ? ", " + std::to_string(failed) + " failed" : "") << "\n";
    }
    return failed == 0 ? 0 : 1;
  }
  const auto id = parse_id(c.id);
  if (!id) {
    err << "ogpd-proxy: dead-letters " << c.verb << ": '" << c.id << "' is not an action id\n";
    return 1;
  }
  if (c.verb == "show") {
    const auto item = store.action(*id);
    if (!item) {
      err << "ogpd-proxy: no action with id " << *id << "\n";
      return 1;
    }
    auto o = to_json(*item);
    o["note"] = item->action.note;
    if (c.json) {
      out << boost::json::serialize(o) << "\n";
    } else {
      for (const auto& [k, v] : o)
        out << std::string(k) << ": "
            << printable(v.is_string() ? std::string(v.as_string()) : boost::json::serialize(v)) << "\n";
    }
    return 0;
  }
  const auto result = c.verb == "replay" ? store.replay(*id, now_ms) : store.discard(*id, now_ms);
  if (!result.ok()) {
    err << "ogpd-proxy: dead-letters " << c.verb << " " << *id << ": " << printable(result.message()) << "\n";
    return 1;
  }
  out << (c.verb == "replay" ? "replayed " : "discarded ") << *id << "\n";
  return 0;
}

}  // namespace ogpd::cli
