#include "fakes/fake_opsgenie.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <ctime>
#include <utility>

#include "core/text.h"

namespace ogpd::fakes {

namespace json = boost::json;

namespace {

// The vendor's limits, in characters (code points), as it counts them.
constexpr std::size_t kMaxUserChars = 100;
constexpr std::size_t kMaxSourceChars = 100;
constexpr std::size_t kMaxNoteChars = 25000;

std::size_t characters(std::string_view utf8) {
  std::size_t n = 0;
  for (const char c : utf8) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// Opsgenie's priorities: P1 to P5.
bool is_priority(std::string_view p) {
  return p.size() == 2 && p[0] == 'P' && p[1] >= '1' && p[1] <= '5';
}

// "took" as Opsgenie writes it (Boost.JSON would print 0.004 as 4E-3).
constexpr std::string_view kTook = "0.004";

struct Action {
  std::string_view path, name, done;  // URL segment, request-status action, request-status text on success
};
constexpr Action kActions[] = {{"acknowledge", "Acknowledge", "Alert acknowledged"},
                               {"unacknowledge", "UnAcknowledge", "Alert unacknowledged"},
                               {"close", "Close", "Alert closed"},
                               {"notes", "AddNote", "Note added"}};

// Every Opsgenie body ends with "took" and "requestId".
Response answer(int status, json::object body, std::string_view took = kTook,
                std::string request_id = random_uuid()) {
  body["requestId"] = std::move(request_id);
  std::string text = json::serialize(body);
  text.insert(text.size() - 1, ",\"took\":" + std::string(took));
  return {.status = status, .body = std::move(text)};
}

Response error(int status, std::string_view message, json::object errors = {},
               std::string_view took = kTook) {
  json::object body{{"message", message}};
  if (!errors.empty()) body["errors"] = std::move(errors);
  return answer(status, std::move(body), took);
}

// JSM's error shape: {"errors":[{"title","code"}]}; 401 is {"code","message"}.
Response jsm_error(int status, std::string_view title) {
  std::string code;
  for (const char c : reason_phrase(status))
    code += c == ' ' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  json::object body =
      status == 401 ? json::object{{"code", status}, {"message", title}}
                    : json::object{{"errors", json::array{json::object{{"title", title}, {"code", code}}}}};
  return {.status = status, .body = json::serialize(body)};
}

json::object to_json(const FakeOpsgenie::Note& note) {
  return {
      {"note", note.note}, {"owner", note.owner}, {"createdAt", note.created_at}, {"offset", note.offset}};
}

json::object report(const FakeOpsgenie::Alert& alert) {
  json::object r;
  if (alert.ack_time_ms) {
    r["ackTime"] = *alert.ack_time_ms;
    r["acknowledgedBy"] = alert.acknowledged_by;
  }
  if (alert.close_time_ms) {
    r["closeTime"] = *alert.close_time_ms;
    r["closedBy"] = alert.closed_by;
  }
  return r;
}

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A status change on `alert` now, as Opsgenie records it: report times, who, updatedAt.
void change_status(FakeOpsgenie::Alert& alert, std::string_view action, const std::string& by,
                   const std::string& now) {
  const std::int64_t after = std::max<std::int64_t>(0, unix_ms() - alert.created_at_ms);
  if (action == "Acknowledge") {
    alert.acknowledged = true;
    if (!alert.ack_time_ms) alert.ack_time_ms = after;  // the first acknowledge
    alert.acknowledged_by = by;
  } else if (action == "UnAcknowledge") {
    alert.acknowledged = false;
  } else if (action == "Close" || action == "Resolve") {
    alert.status = action == "Close" ? "closed" : "resolved";
    alert.close_time_ms = after;
    alert.closed_by = by;
  } else if (action == "Snooze") {
    alert.status = "snoozed";
  }
  alert.updated_at = now;  // notes move it too, as in Opsgenie
}

json::object to_json(const FakeOpsgenie::Alert& alert) {
  json::array tags, responders;
  for (const auto& t : alert.tags) tags.emplace_back(t);
  for (const auto& [type, who] : alert.responders)
    responders.push_back(json::object{{"type", type}, {"name", who}});
  return {{"id", alert.id},
          {"tinyId", "1"},
          {"alias", alert.alias.empty() ? alert.id : alert.alias},
          {"message", alert.message},
          {"description", alert.description},
          {"status", alert.status},
          {"acknowledged", alert.acknowledged},
          {"isSeen", true},
          {"tags", std::move(tags)},
          {"snoozed", false},
          {"count", 1},
          {"source", alert.source.empty() ? "fake" : alert.source},
          {"owner", ""},
          {"priority", alert.priority},
          {"responders", std::move(responders)},
          {"createdAt", alert.created_at},
          {"updatedAt", alert.updated_at},
          {"report", report(alert)}};
}

// An alert as JSM's GET /v1/alerts/{id} gives it: unwrapped, with its JSM status and its times.
json::object to_jsm_json(const FakeOpsgenie::Alert& alert) {
  json::object o = to_json(alert);
  o.erase("report");
  o.erase("isSeen");
  o["seen"] = true;
  o["status"] = alert.status == "open" && alert.acknowledged ? "acked" : alert.status;
  o["snoozed"] = alert.status == "snoozed";
  const auto at = [&](std::int64_t after_ms) {
    const std::time_t t = (alert.created_at_ms + after_ms) / 1000;
    std::tm utc{};
    gmtime_r(&t, &utc);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
    return std::string(buf) + "." + std::to_string(1000 + (alert.created_at_ms + after_ms) % 1000).substr(1) +
           "Z";
  };
  if (alert.ack_time_ms) o["ackTime"] = at(*alert.ack_time_ms);
  if (alert.close_time_ms) o["closeTime"] = at(*alert.close_time_ms);
  return o;
}

}  // namespace

FakeOpsgenie::FakeOpsgenie() : FakeOpsgenie(Options{}) {}

FakeOpsgenie::FakeOpsgenie(Options options) : options_(std::move(options)), integration_id_(random_uuid()) {
  start(options_.port);
}

FakeOpsgenie::~FakeOpsgenie() {
  stop();
}

void FakeOpsgenie::add_integration(Options::Integration integration) {
  std::lock_guard lock(mu_);
  added_integrations_.push_back(std::move(integration));
}

void FakeOpsgenie::add_alert(const std::string& id, std::string message, std::string alias) {
  std::lock_guard lock(mu_);
  if (Alert* existing = find(id)) {
    existing->message = std::move(message);
    return;
  }
  const std::string now = iso8601_now();
  add({.id = id,
       .message = std::move(message),
       .alias = alias.empty() ? id : std::move(alias),
       .created_at = now,
       .updated_at = now,
       .created_at_ms = unix_ms()});
}

void FakeOpsgenie::add(Alert alert) {
  by_id_.emplace(alert.id, alerts_.size());
  by_alias_.emplace(alert.alias, alerts_.size());
  alerts_.push_back(std::move(alert));
}

void FakeOpsgenie::change_alert(const std::string& id, const std::string& action, const std::string& by) {
  std::lock_guard lock(mu_);
  Alert* alert = find(id);
  if (!alert) return;
  change_status(*alert, action, by, iso8601_now());
}

void FakeOpsgenie::rename_alert(const std::string& id, const std::string& new_id) {
  std::lock_guard lock(mu_);
  if (Alert* alert = find(id)) {
    const std::size_t index = by_id_.at(id);
    by_id_.erase(id);
    by_id_[new_id] = index;
    alert->id = new_id;
  }
}

void FakeOpsgenie::fail_requests(int count, std::string status) {
  std::lock_guard lock(mu_);
  failing_requests_ = count;
  failing_status_ = std::move(status);
}

std::optional<FakeOpsgenie::Alert> FakeOpsgenie::alert(const std::string& id) const {
  std::lock_guard lock(mu_);
  const auto found = by_id_.find(id);
  if (found == by_id_.end()) return std::nullopt;
  return alerts_[found->second];
}

std::vector<FakeOpsgenie::Alert> FakeOpsgenie::alerts() const {
  std::lock_guard lock(mu_);
  return alerts_;
}

std::vector<FakeOpsgenie::RequestOutcome> FakeOpsgenie::request_outcomes() const {
  std::lock_guard lock(mu_);
  return outcomes_;
}

std::optional<FakeOpsgenie::Alert> FakeOpsgenie::alert_with_alias(const std::string& alias) const {
  std::lock_guard lock(mu_);
  const auto index = earliest_with_alias(alias, /*open_only=*/false);
  if (!index) return std::nullopt;
  return alerts_[*index];
}

std::optional<std::size_t> FakeOpsgenie::earliest_with_alias(const std::string& alias, bool open_only) const {
  const auto [first, last] = by_alias_.equal_range(alias);
  std::optional<std::size_t> earliest;
  for (auto it = first; it != last; ++it)
    if (!open_only || alerts_[it->second].status == "open")
      earliest = std::min(earliest.value_or(it->second), it->second);
  return earliest;
}

// The earliest open alert with that alias, else the earliest with it.
FakeOpsgenie::Alert* FakeOpsgenie::find_alias(const std::string& alias) {
  auto index = earliest_with_alias(alias, /*open_only=*/true);
  if (!index) index = earliest_with_alias(alias, /*open_only=*/false);
  return index ? &alerts_[*index] : nullptr;
}

FakeOpsgenie::Alert* FakeOpsgenie::find(const std::string& id) {
  const auto found = by_id_.find(id);
  return found == by_id_.end() ? nullptr : &alerts_[found->second];
}

// POST /_fake/alerts {"id": "...", "message": "..."}: an open alert with that id (and alias).
std::optional<Response> FakeOpsgenie::seed(const std::string& what, const json::object& body) {
  if (what != "alerts") return std::nullopt;
  const auto* id = body.if_contains("id");
  if (id == nullptr || !id->is_string() || id->get_string().empty())
    return Response{.status = 400, .body = R"({"error":"an alert needs an \"id\""})"};
  const auto* message = body.if_contains("message");
  add_alert(std::string(id->get_string()),
            message != nullptr && message->is_string() ? std::string(message->get_string()) : "alert");
  return Response{.status = 201, .body = json::serialize(json::object{{"id", id->get_string()}})};
}

std::string FakeOpsgenie::actor(const std::optional<std::string>& user) const {
  if (options_.jsm) return options_.jsm_email;
  return user && !user->empty() ? *user : "API";
}

Response FakeOpsgenie::handle_jsm(const RecordedRequest& request) {
  if (request.header("authorization") != "Basic " + base64(options_.jsm_email + ":" + options_.jsm_api_token))
    return jsm_error(401, "Client must be authenticated to access this resource.");
  auto path = request.segments();
  if (path.size() < 6 || path[0] != "jsm" || path[1] != "ops" || path[2] != "api" || path[4] != "v1")
    return jsm_error(404, "Not Found");
  if (path[3] != options_.jsm_cloud_id) return jsm_error(404, "No site with this cloud id");
  path.erase(path.begin(), path.begin() + 5);  // {"alerts", ...} or {"integrations"}
  if (path.size() == 1 && path[0] == "integrations" && request.method == "GET") {
    std::lock_guard lock(mu_);
    json::array list;
    std::vector<Options::Integration> all = options_.integrations;
    all.insert(all.end(), added_integrations_.begin(), added_integrations_.end());
    for (const auto& i : all)
      list.push_back(json::object{
          {"id", i.id}, {"name", i.name}, {"enabled", true}, {"type", i.type}, {"teamId", i.team_id}});
    return {.status = 200, .body = json::serialize(json::object{{"values", std::move(list)}})};
  }
  if (path[0] != "alerts") return jsm_error(404, "Not Found");
  std::lock_guard lock(mu_);
  if (path.size() == 1 && request.method == "GET") {  // a page of alerts
    json::array list;
    for (const auto& a : alerts_) list.push_back(to_jsm_json(a));
    return {.status = 200,
            .body = json::serialize(json::object{{"values", std::move(list)}, {"count", alerts_.size()}})};
  }
  if (path.size() == 1 && request.method == "POST") {
    Response created = create(request);
    if (created.status != 202) return created;
    created.status = 200;  // JSM answers a create 200, still a request to poll
    return created;
  }
  if (path.size() == 2 && path[1] == "alias" && request.method == "GET") {
    for (const auto& a : alerts_)
      if (a.alias == request.param("alias") && a.status == "open")
        return {.status = 200, .body = json::serialize(to_jsm_json(a))};
    return jsm_error(404, "Alert not found");
  }
  if (path.size() == 3 && path[1] == "requests" && request.method == "GET") {
    Response status = request_status(path[2]);
    if (status.status != 200) return jsm_error(404, "request is not found");
    const auto doc = json::parse(status.body);
    return {.status = 200, .body = json::serialize(doc.at("data"))};
  }
  if (!request.param("identifierType").empty()) return jsm_error(404, "Alert not found");
  const std::string& alert_id = path[1];
  if (path.size() == 3 && path[2] == "priority") {
    if (request.method != "PATCH") return jsm_error(405, "Method Not Allowed");
    return set_priority(alert_id, request);
  }
  if (path.size() == 3 && path[2] == "notes" && request.method == "POST") return jsm_note(alert_id, request);
  if (path.size() == 3 && request.method == "POST") return act(alert_id, path[2], request);
  const Alert* alert = find(alert_id);
  if (request.method != "GET" || path.size() > 3 || (path.size() == 3 && path[2] != "notes"))
    return jsm_error(404, "Not Found");
  if (!alert) return jsm_error(404, "Alert not found");
  if (path.size() == 2) return {.status = 200, .body = json::serialize(to_jsm_json(*alert))};
  json::array notes;
  for (const auto& n : alert->notes) notes.emplace_back(to_json(n));
  return {.status = 200, .body = json::serialize(json::object{{"values", std::move(notes)}})};
}

// JSM: a note is made at once and answered 200 with itself (no request to poll).
Response FakeOpsgenie::jsm_note(const std::string& alert_id, const RecordedRequest& request) {
  json::error_code ec;
  const json::value parsed = json::parse(request.body, ec);
  if (ec || !parsed.is_object()) return jsm_error(400, "Could not parse the request body");
  bool bad = false;
  const auto note = string_at(parsed.get_object(), "note", bad);
  if (!note || note->empty()) return jsm_error(422, "note must not be empty");
  if (characters(*note) > kMaxNoteChars) return jsm_error(422, "note must be at most 25000 characters");
  Alert* alert = find(alert_id);
  if (!alert) return jsm_error(404, "Alert not found");
  const std::string now = iso8601_now();
  alert->notes.push_back({.note = *note,
                          .owner = options_.jsm_email,
                          .created_at = now,
                          .offset = std::to_string(alert->notes.size() + 1)});
  alert->updated_at = now;
  return {.status = 200,
          .body = json::serialize(json::object{{"id", random_uuid()},
                                               {"createdAt", now},
                                               {"updatedAt", now},
                                               {"note", *note},
                                               {"owner", options_.jsm_email}})};
}

Response FakeOpsgenie::handle(const RecordedRequest& request) {
  if (options_.jsm) return handle_jsm(request);
  if (request.header("authorization") != "GenieKey " + options_.api_key) {
    return error(401, "Key format is not valid!");
  }
  const auto path = request.segments();
  if (path.size() == 2 && path[0] == "v2" && request.method == "GET" &&
      (path[1] == "teams" || path[1] == "integrations")) {
    json::array list;
    if (path[1] == "teams") {
      for (const auto& [id, name] : options_.teams)
        list.push_back(json::object{{"id", id}, {"name", name}, {"description", ""}});
    } else {
      std::lock_guard lock(mu_);
      std::vector<Options::Integration> all = options_.integrations;
      all.insert(all.end(), added_integrations_.begin(), added_integrations_.end());
      for (const auto& i : all)
        list.push_back(json::object{
            {"id", i.id}, {"name", i.name}, {"enabled", true}, {"type", i.type}, {"teamId", i.team_id}});
    }
    return answer(200, {{"data", std::move(list)}});
  }
  if (path.size() == 2 && path[0] == "v2" && path[1] == "alerts" && request.method == "POST") {
    std::lock_guard lock(mu_);
    return create(request);
  }
  if (path.size() < 3 || path[0] != "v2" || path[1] != "alerts") return error(404, "Could not find resource");
  std::lock_guard lock(mu_);
  if (path[2] == "requests") {
    if (path.size() == 4 && request.method == "GET") return request_status(path[3]);
    return error(404, "Could not find resource");
  }
  const std::string identifier_type = request.param("identifierType");
  if (!identifier_type.empty() && identifier_type != "id" && identifier_type != "alias") {
    return error(400,
                 "identifierType '" + identifier_type + "' is not supported by the fake; use id or alias");
  }
  std::string alert_id = path[2];
  if (identifier_type == "alias") {
    const Alert* by_alias = find_alias(alert_id);
    if (!by_alias) return error(404, "Alert does not exist");
    alert_id = by_alias->id;
  }
  if (path.size() == 4 && path[3] == "priority" && request.method == "PUT")
    return set_priority(alert_id, request);
  if (path.size() == 4 && request.method == "POST") return act(alert_id, path[3], request);
  if (request.method != "GET" || path.size() > 4 || (path.size() == 4 && path[3] != "notes")) {
    return error(404, "Could not find resource");
  }
  const Alert* alert = find(alert_id);
  if (!alert) return error(404, "Alert does not exist");
  if (path.size() == 3) return answer(200, {{"data", to_json(*alert)}});
  json::array notes;
  for (const auto& n : alert->notes) notes.emplace_back(to_json(n));
  return answer(200, {{"data", std::move(notes)}, {"paging", json::object()}});
}

Response FakeOpsgenie::act(const std::string& alert_id, const std::string& action_path,
                           const RecordedRequest& request) {
  const Action* action = nullptr;
  for (const auto& a : kActions) {
    if (a.path == action_path) action = &a;
  }
  if (!action) return error(404, "Could not find resource");

  json::object body;
  if (!request.body.empty()) {
    json::error_code ec;
    json::value parsed = json::parse(request.body, ec);
    if (ec || !parsed.is_object()) return error(400, "Could not parse the request body as a JSON object");
    body = std::move(parsed.get_object());
  }
  json::object problems;
  const auto field = [&](std::string_view name, std::size_t max_chars) {
    bool bad = false;
    auto value = string_at(body, name, bad);
    if (bad) problems[name] = "must be a string";
    if (value && characters(*value) > max_chars)
      problems[name] = "must be at most " + std::to_string(max_chars) + " characters";
    return value;
  };
  const auto user = field("user", kMaxUserChars);
  field("source", kMaxSourceChars);  // validated only: the fake keeps no alert log
  const auto note = field("note", kMaxNoteChars);
  if (action->name == "AddNote" && (!note || note->empty())) problems["note"] = "must not be empty";
  if (!problems.empty()) {
    return error(422, "Request body is not processable. Please check the errors.", std::move(problems));
  }

  RequestOutcome outcome{.request_id = random_uuid(),
                         .action = std::string(action->name),
                         .alert_id = alert_id,
                         .processed_at = iso8601_now()};
  if (take_failure(outcome)) {
    // it fails later, as asked, with no effect
  } else if (Alert* alert = find(alert_id)) {
    change_status(*alert, action->name, actor(user), outcome.processed_at);
    if (note && !note->empty()) {
      alert->notes.push_back({.note = *note,
                              .owner = actor(user),
                              .created_at = outcome.processed_at,
                              .offset = std::to_string(alert->notes.size() + 1)});
    }
    outcome.success = true;
    outcome.status = std::string(action->done);
  } else {
    outcome.status = "Alert does not exist";
  }
  return accepted(std::move(outcome));
}

bool FakeOpsgenie::take_failure(RequestOutcome& outcome) {
  if (failing_requests_ == 0) return false;
  --failing_requests_;
  outcome.status = failing_status_;
  return true;
}

Response FakeOpsgenie::accepted(RequestOutcome outcome, int status) {
  const std::string id = outcome.request_id;
  outcome_by_id_[id] = outcomes_.size();
  outcomes_.push_back(std::move(outcome));
  return answer(status, {{"result", "Request will be processed"}}, kTook, id);
}

Response FakeOpsgenie::create(const RecordedRequest& request) {
  json::error_code ec;
  json::value parsed = json::parse(request.body, ec);
  if (ec || !parsed.is_object()) return error(400, "Could not parse the request body as a JSON object");
  const json::object& body = parsed.get_object();
  json::object problems;
  bool bad = false;
  const auto message = string_at(body, "message", bad);
  if (!message || message->empty())
    problems["message"] = "must not be empty";
  else if (characters(*message) > 130)
    problems["message"] = "must be at most 130 characters";
  const auto alias = string_at(body, "alias", bad);
  if (alias && characters(*alias) > 512) problems["alias"] = "must be at most 512 characters";
  const auto description = string_at(body, "description", bad);
  if (description && characters(*description) > 15000)
    problems["description"] = "must be at most 15000 characters";
  const auto priority = string_at(body, "priority", bad);
  if (priority && !is_priority(*priority)) problems["priority"] = "must be one of P1, P2, P3, P4, P5";
  const auto source = string_at(body, "source", bad);
  const auto user = string_at(body, "user", bad);
  if (user && characters(*user) > kMaxUserChars) problems["user"] = "must be at most 100 characters";
  std::vector<std::string> tags;
  if (const auto* t = body.if_contains("tags"); t && t->is_array())
    for (const auto& item : t->get_array())
      if (item.is_string()) tags.emplace_back(item.get_string());
  std::vector<std::pair<std::string, std::string>> responders;
  if (const auto* r = body.if_contains("responders"); r && r->is_array()) {
    for (const auto& item : r->get_array()) {
      const auto* o = item.if_object();
      const auto type = o ? string_at(*o, "type", bad) : std::nullopt;
      auto who = o ? string_at(*o, "name", bad) : std::nullopt;
      if (!who && o) who = string_at(*o, "username", bad);
      if (!who && o) who = string_at(*o, "id", bad);
      if (!type || !who) {
        problems["responders"] = "each needs a type and a name, username or id";
        break;
      }
      responders.emplace_back(*type, *who);
    }
  }
  if (bad) problems["body"] = "fields must be strings";
  if (!problems.empty())
    return error(422, "Request body is not processable. Please check the errors.", std::move(problems));

  RequestOutcome outcome{.request_id = random_uuid(), .action = "Create", .processed_at = iso8601_now()};
  if (take_failure(outcome)) {
    return accepted(std::move(outcome));
  }
  // Opsgenie folds a create whose alias names an open alert into that alert.
  Alert* existing = alias && !alias->empty() ? find_alias(*alias) : nullptr;
  if (existing && existing->status == "open") {
    outcome.alert_id = existing->id;
    outcome.success = true;
    outcome.status = "Alert already exists";
    return accepted(std::move(outcome));
  }
  const std::string id = random_uuid();
  const std::string now = iso8601_now();
  add({.id = id,
       .message = *message,
       .alias = alias && !alias->empty() ? *alias : id,
       .description = description.value_or(""),
       .priority = priority.value_or("P3"),
       .tags = std::move(tags),
       .responders = std::move(responders),
       .source = source.value_or(""),
       .created_at = now,
       .updated_at = now,
       .created_at_ms = unix_ms()});
  outcome.alert_id = id;
  outcome.success = true;
  outcome.status = "Created alert";
  return accepted(std::move(outcome));
}

Response FakeOpsgenie::set_priority(const std::string& alert_id, const RecordedRequest& request) {
  json::error_code ec;
  json::value parsed = json::parse(request.body, ec);
  if (ec || !parsed.is_object()) return error(400, "Could not parse the request body as a JSON object");
  bool bad = false;
  const auto priority = string_at(parsed.get_object(), "priority", bad);
  if (!priority || !is_priority(*priority))
    return error(422, "Request body is not processable. Please check the errors.",
                 json::object{{"priority", "must be one of P1, P2, P3, P4, P5"}});
  RequestOutcome outcome{.request_id = random_uuid(),
                         .action = "UpdatePriority",
                         .alert_id = alert_id,
                         .processed_at = iso8601_now()};
  if (take_failure(outcome)) {
    // it fails later, as asked, with no effect
  } else if (Alert* alert = find(alert_id)) {
    alert->priority = *priority;
    alert->updated_at = outcome.processed_at;
    outcome.success = true;
    outcome.status = "Priority updated";
  } else {
    outcome.status = "Alert does not exist";
  }
  return accepted(std::move(outcome));
}

Response FakeOpsgenie::request_status(const std::string& request_id) {
  const auto it = outcome_by_id_.find(request_id);
  if (it == outcome_by_id_.end() || outcomes_[it->second].polls++ < options_.request_status_pending_polls) {
    return error(404, "Request not found. It might not be processed yet.");
  }
  const RequestOutcome& outcome = outcomes_[it->second];
  const std::string id = outcome.success ? outcome.alert_id : "";
  return answer(200, {{"data",
                       {{"success", outcome.success},
                        {"action", outcome.action},
                        {"processedAt", outcome.processed_at},
                        {"integrationId", integration_id_},
                        {"isSuccess", outcome.success},
                        {"status", outcome.status},
                        {"alertId", id},
                        {"alias", id}}}});
}

Response FakeOpsgenie::throttled(const RateLimitInfo& info) const {
  if (options_.jsm) {
    Response response = jsm_error(429, "Too Many Requests");
    response.headers = {{"Retry-After", std::to_string(info.reset_seconds)}};
    return response;
  }
  Response response = error(
      429, "You are making too many requests! To avoid errors, we recommend you limit requests.", {}, "0.0");
  response.headers = {{"X-RateLimit-State", "THROTTLED"},
                      {"X-RateLimit-Reason", "ACCOUNT"},
                      {"X-RateLimit-Period-In-Sec", "1"}};
  return response;
}

std::string FakeOpsgenie::error_body(int status) const {
  if (options_.jsm) return jsm_error(status, reason_phrase(status)).body;
  return error(status, reason_phrase(status)).body;
}

void FakeOpsgenie::describe(json::object& state) const {
  std::lock_guard lock(mu_);
  json::array list;
  for (const auto& a : alerts_) {
    json::object item = to_json(a);
    json::array notes;
    for (const auto& n : a.notes) notes.emplace_back(to_json(n));
    item["notes"] = std::move(notes);
    list.emplace_back(std::move(item));
  }
  state["alerts"] = std::move(list);
  state["accepted_requests"] = outcomes_.size();
}

}  // namespace ogpd::fakes
