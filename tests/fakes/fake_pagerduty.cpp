#include "fakes/fake_pagerduty.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cstdlib>
#include <utility>

namespace ogpd::fakes {

namespace json = boost::json;

namespace {

// The vendor's limits, in characters (code points), as it counts them.
constexpr std::size_t kMaxTitleChars = 1024;
constexpr std::size_t kMaxNoteChars = 25000;

std::size_t characters(std::string_view utf8) {
  std::size_t n = 0;
  for (const char c : utf8) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

constexpr std::size_t kMaxNotesPerIncident = 2000;
constexpr std::string_view kAcceptV2 = "application/vnd.pagerduty+json;version=2";
constexpr std::string_view kIdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

Response error(int status, std::string_view message, std::optional<int> code = std::nullopt,
               std::vector<std::string> errors = {}) {
  json::object detail{{"message", message}};
  if (code) detail["code"] = *code;
  if (!errors.empty()) {
    json::array list;
    for (auto& e : errors) list.emplace_back(std::move(e));
    detail["errors"] = std::move(list);
  }
  return {.status = status, .body = json::serialize(json::object{{"error", std::move(detail)}})};
}

Response invalid_input(std::string problem) {
  return error(400, "Invalid Input Provided", 2001, {std::move(problem)});
}

Response not_found() {
  return error(404, "Not Found", 2100);
}

Response ok(int status, json::object body) {
  return {.status = status, .body = json::serialize(body)};
}

}  // namespace

FakePagerDuty::FakePagerDuty() : FakePagerDuty(Options{}) {}

FakePagerDuty::FakePagerDuty(Options options) : options_(std::move(options)) {
  start(options_.port);
}

FakePagerDuty::~FakePagerDuty() {
  stop();
}

std::vector<FakePagerDuty::Incident> FakePagerDuty::incidents() const {
  std::lock_guard lock(mu_);
  return incidents_;
}

std::optional<FakePagerDuty::Incident> FakePagerDuty::incident(const std::string& id) const {
  std::lock_guard lock(mu_);
  const auto found = by_id_.find(id);
  if (found == by_id_.end()) return std::nullopt;
  return incidents_[found->second];
}

std::vector<FakePagerDuty::Incident> FakePagerDuty::incidents_with_key(const std::string& key) const {
  std::lock_guard lock(mu_);
  std::vector<std::size_t> at;
  const auto [first, last] = by_key_.equal_range(key);
  for (auto it = first; it != last; ++it) at.push_back(it->second);
  std::sort(at.begin(), at.end());  // creation order
  std::vector<Incident> out;
  for (const auto i : at) out.push_back(incidents_[i]);
  return out;
}

void FakePagerDuty::set_status(const std::string& id, const std::string& status, std::string by,
                               std::string by_id) {
  std::lock_guard lock(mu_);
  if (Incident* incident = find(id)) {
    incident->status = status;
    incident->last_status_change_at = iso8601_now();
    incident->last_status_change_by = std::move(by);
    incident->last_status_change_by_id = std::move(by_id);
  }
}

std::string FakePagerDuty::add_note(const std::string& incident_id, std::string content, std::string by) {
  std::lock_guard lock(mu_);
  Incident* incident = find(incident_id);
  if (!incident) return {};
  Note note{.id = "Q" + random_string(13, kIdAlphabet),
            .content = std::move(content),
            .created_at = iso8601_now(),
            .user_id = "PHUMAN1",
            .user_summary = std::move(by)};
  incident->notes.push_back(note);
  return note.id;
}

std::string FakePagerDuty::add_incident(Incident seed) {
  std::lock_guard lock(mu_);
  return insert(std::move(seed));
}

FakePagerDuty::Incident* FakePagerDuty::find(const std::string& id) {
  const auto found = by_id_.find(id);
  return found == by_id_.end() ? nullptr : &incidents_[found->second];
}

FakePagerDuty::Incident* FakePagerDuty::open_with_key(const std::string& key, const std::string& service_id) {
  Incident* newest = nullptr;
  std::size_t newest_at = 0;
  const auto [first, last] = by_key_.equal_range(key);
  for (auto it = first; it != last; ++it) {
    Incident& i = incidents_[it->second];
    if (i.service_id == service_id && i.status != "resolved" && (!newest || it->second > newest_at)) {
      newest = &i;
      newest_at = it->second;
    }
  }
  return newest;
}

std::string FakePagerDuty::insert(Incident incident) {
  while (incident.id.empty() || find(incident.id)) incident.id = "Q" + random_string(13, kIdAlphabet);
  if (incident.number == 0) incident.number = next_number_;
  next_number_ = std::max(next_number_, incident.number) + 1;
  if (incident.incident_key.empty()) incident.incident_key = random_string(32, "0123456789abcdef");
  if (incident.service_id.empty()) incident.service_id = options_.service_id;
  if (incident.created_at.empty()) incident.created_at = iso8601_now();
  if (incident.last_status_change_at.empty()) incident.last_status_change_at = incident.created_at;
  by_id_.emplace(incident.id, incidents_.size());
  by_key_.emplace(incident.incident_key, incidents_.size());
  incidents_.push_back(std::move(incident));
  return incidents_.back().id;
}

// POST /_fake/incidents {"title": "...", "incident_key": "...", "service_id": "..."}: a triggered incident,
// as if raised in PagerDuty; answers its id.
void FakePagerDuty::add_webhook_subscription(FakeWebhookSubscription subscription) {
  std::lock_guard lock(mu_);
  if (subscription.id.empty()) subscription.id = "PWS" + std::to_string(subscriptions_.size() + 1);
  subscriptions_.push_back(std::move(subscription));
}

std::optional<Response> FakePagerDuty::seed(const std::string& what, const json::object& body) {
  if (what == "webhook_subscriptions") {  // {"url", "events": [...], "service_id", "temporarily_disabled"}
    FakeWebhookSubscription w;
    if (const auto* url = body.if_contains("url"); url != nullptr && url->is_string())
      w.url = url->get_string();
    if (const auto* events = body.if_contains("events"); events != nullptr && events->is_array())
      for (const auto& e : events->get_array())
        if (e.is_string()) w.events.emplace_back(e.get_string());
    if (const auto* id = body.if_contains("service_id"); id != nullptr && id->is_string())
      w.service_id = id->get_string();
    if (const auto* off = body.if_contains("temporarily_disabled"); off != nullptr && off->is_bool())
      w.temporarily_disabled = off->get_bool();
    add_webhook_subscription(w);
    return Response{.status = 201, .body = R"({"status":"added"})"};
  }
  if (what != "incidents") return std::nullopt;
  const auto text = [&](std::string_view key) {
    const auto* value = body.if_contains(key);
    return value != nullptr && value->is_string() ? std::string(value->get_string()) : std::string();
  };
  Incident incident;
  incident.title = text("title").empty() ? "Raised in PagerDuty" : text("title");
  incident.incident_key = text("incident_key");
  incident.service_id = text("service_id");
  const std::string id = add_incident(std::move(incident));
  return Response{.status = 201, .body = json::serialize(json::object{{"id", id}})};
}

Response FakePagerDuty::handle(const RecordedRequest& request) {
  if (request.path == "/v2/enqueue" && request.method == "POST") {  // the Events API: no API key
    std::lock_guard lock(mu_);
    return enqueue(request);
  }
  if (request.header("authorization") != "Token token=" + options_.api_key) {
    return error(401, "Unauthorized", 2006);
  }
  if (request.header("accept").find(kAcceptV2) == std::string::npos) {
    return error(406, "Not Acceptable", std::nullopt, {"Accept must be " + std::string(kAcceptV2)});
  }
  const auto path = request.segments();
  const auto& method = request.method;
  const bool incidents_route = !path.empty() && path[0] == "incidents";
  const bool writes =
      incidents_route && ((path.size() == 1 && method == "POST") || (path.size() == 2 && method == "PUT") ||
                          (path.size() == 3 && path[2] == "notes" && method == "POST"));
  if (writes) {
    if (request.header("from") != options_.from_email) return invalid_input("Requester User Not Found");
    if (!request.header("content-type").starts_with("application/json")) {
      return invalid_input("Content-Type must be application/json");
    }
  }

  std::lock_guard lock(mu_);
  if (incidents_route && path.size() == 1) {
    if (method == "POST") return create_incident(request);
    if (method == "GET") return list_incidents(request);
  } else if (incidents_route && path.size() <= 3) {
    Incident* incident = find(path[1]);
    const bool notes = path.size() == 3 && path[2] == "notes";
    if (path.size() == 2 && method == "GET")
      return incident ? ok(200, {{"incident", to_json(*incident)}}) : not_found();
    if (path.size() == 2 && method == "PUT")
      return incident ? update_incident(*incident, request) : not_found();
    if (notes && method == "POST") return incident ? add_note(*incident, request) : not_found();
    if (notes && method == "GET") {
      if (!incident) return not_found();
      json::array list;
      for (const auto& n : incident->notes) list.emplace_back(to_json(n));
      return ok(200, {{"notes", std::move(list)}});
    }
  } else if (path.size() == 1 && path[0] == "services" && method == "GET") {
    // Paged like PagerDuty: limit (default 25, at most 100), offset, more.
    const int limit =
        std::clamp(request.param("limit").empty() ? 25 : std::atoi(request.param("limit").c_str()), 1, 100);
    const int offset = std::max(0, std::atoi(request.param("offset").c_str()));
    json::array services;
    int i = 0;
    for (const auto& [id, name] : options_.service_names) {
      if (i++ < offset || static_cast<int>(services.size()) >= limit) continue;
      services.push_back(json::object{{"id", id}, {"type", "service"}, {"name", name}, {"summary", name}});
    }
    const bool more =
        offset + static_cast<int>(services.size()) < static_cast<int>(options_.service_names.size());
    return ok(200, {{"services", std::move(services)}, {"limit", limit}, {"offset", offset}, {"more", more}});
  } else if (path.size() == 1 && path[0] == "priorities" && method == "GET") {
    json::array list;
    for (const auto& [id, name] : options_.priorities)
      list.push_back(json::object{{"id", id}, {"type", "priority"}, {"summary", name}, {"name", name}});
    return ok(200, {{"priorities", std::move(list)}, {"limit", 100}, {"offset", 0}, {"more", false}});
  } else if (path.size() == 1 && path[0] == "users" && method == "GET") {
    return list_users(request);
  } else if (path.size() == 2 && path[0] == "services" && method == "GET") {
    const auto named = options_.service_names.find(path[1]);
    if (named == options_.service_names.end()) return not_found();
    return ok(200, {{"service", json::object{{"id", path[1]},
                                             {"type", "service"},
                                             {"name", named->second},
                                             {"summary", named->second},
                                             {"status", "active"}}}});
  } else if (path.size() == 1 && path[0] == "webhook_subscriptions" && method == "GET") {
    const std::string filter = request.param("filter_id");
    json::array list;
    for (const auto& w : subscriptions_) {
      if (!filter.empty() && w.service_id != filter) continue;
      json::array events;
      for (const auto& e : w.events) events.emplace_back(e);
      list.push_back(
          json::object{{"id", w.id},
                       {"type", "webhook_subscription"},
                       {"active", w.active},
                       {"events", std::move(events)},
                       {"delivery_method", json::object{{"type", "http_delivery_method"},
                                                        {"url", w.url},
                                                        {"temporarily_disabled", w.temporarily_disabled},
                                                        {"secret", nullptr}}},
                       {"filter", w.service_id.empty()
                                      ? json::object{{"type", "account_reference"}}
                                      : json::object{{"type", "service_reference"}, {"id", w.service_id}}}});
    }
    return ok(200,
              {{"webhook_subscriptions", std::move(list)}, {"limit", 100}, {"offset", 0}, {"more", false}});
  } else if (path.size() == 2 && path[0] == "users" && path[1] == "me" && method == "GET") {
    if (!options_.user_level_key)
      return error(400,
                   "Because this request was made using an account-level access token, we were unable to "
                   "determine the user's identity. Please use a user-level token.",
                   2100, {});
    return ok(200, {{"user", user_json(options_.own_user_id, options_.own_user_name, options_.from_email)}});
  }
  return not_found();
}

namespace {

// incident.priority: {id, type: priority_reference} naming one of the account's priorities.
std::optional<std::string> priority_problem(const json::object& incident,
                                            const std::vector<std::pair<std::string, std::string>>& known,
                                            std::string& id) {
  if (!incident.contains("priority")) return std::nullopt;
  const auto* p = incident.at("priority").if_object();
  bool bad = false;
  const auto given = p ? string_at(*p, "id", bad) : std::nullopt;
  if (bad || !given || string_at(*p, "type", bad) != "priority_reference")
    return "incident.priority must be {id, type: priority_reference}";
  for (const auto& [known_id, name] : known)
    if (known_id == *given) {
      id = *given;
      return std::nullopt;
    }
  return "Priority Not Found";
}

}  // namespace

Response FakePagerDuty::create_incident(const RecordedRequest& request) {
  json::error_code ec;
  const json::value body = json::parse(request.body, ec);
  if (ec || !body.is_object()) return invalid_input("Request body is not a JSON object");
  const auto* in = object_at(body.get_object(), "incident");
  if (!in) return invalid_input("incident must be an object");
  bool bad = false;
  const auto type = string_at(*in, "type", bad);
  if (type != "incident") return invalid_input("incident.type must be \"incident\"");
  const auto title = string_at(*in, "title", bad);
  if (bad || !title || title->empty()) return invalid_input("incident.title must be a non-empty string");
  if (characters(*title) > kMaxTitleChars)
    return invalid_input("Title is too long (maximum is 1024 characters)");
  const auto* service = object_at(*in, "service");
  const auto service_id = service ? string_at(*service, "id", bad) : std::nullopt;
  if (bad || !service_id || service_id->empty()) return invalid_input("incident.service.id is required");
  if (string_at(*service, "type", bad) != "service_reference") {
    return invalid_input("incident.service.type must be \"service_reference\"");
  }
  if (*service_id != options_.service_id &&
      std::find(options_.other_service_ids.begin(), options_.other_service_ids.end(), *service_id) ==
          options_.other_service_ids.end())
    return invalid_input("Service Not Found");
  std::optional<std::string> escalation_policy;
  if (in->contains("escalation_policy")) {
    const auto* policy = object_at(*in, "escalation_policy");
    escalation_policy = policy ? string_at(*policy, "id", bad) : std::nullopt;
    if (bad || !escalation_policy || string_at(*policy, "type", bad) != "escalation_policy_reference")
      return invalid_input("incident.escalation_policy must be {id, type: escalation_policy_reference}");
    if (std::find(options_.escalation_policy_ids.begin(), options_.escalation_policy_ids.end(),
                  *escalation_policy) == options_.escalation_policy_ids.end())
      return invalid_input("Escalation Policy Not Found");
  }
  const auto urgency = string_at(*in, "urgency", bad);
  if (urgency && *urgency != "high" && *urgency != "low")
    return invalid_input("incident.urgency must be high or low");
  const auto key = string_at(*in, "incident_key", bad);
  if (bad) return invalid_input("incident.incident_key must be a string");
  std::string priority_id;
  if (const auto problem = priority_problem(*in, options_.priorities, priority_id))
    return invalid_input(*problem);
  std::optional<std::string> details;
  if (in->contains("body")) {
    const auto* text = object_at(*in, "body");
    if (!text) return invalid_input("incident.body must be an object");
    const auto body_type = string_at(*text, "type", bad);
    if (body_type && *body_type != "incident_body")
      return invalid_input("incident.body.type must be \"incident_body\"");
    details = string_at(*text, "details", bad);
    if (bad) return invalid_input("incident.body.details must be a string");
  }
  if (key && !key->empty() && open_with_key(*key, *service_id))
    return invalid_input("Open incident with matching dedup key already exists on this service");

  Incident incident;
  incident.title = *title;
  incident.urgency = urgency.value_or("high");
  incident.incident_key = key.value_or("");
  incident.service_id = *service_id;
  incident.escalation_policy_id = escalation_policy.value_or("");
  incident.priority_id = priority_id;
  incident.details = details.value_or("");
  const std::string id = insert(std::move(incident));
  const auto now = std::chrono::steady_clock::now();
  if (!first_create_) first_create_ = now;
  last_create_ = now;
  ++creates_;
  return ok(201, {{"incident", to_json(*find(id))}});
}

Response FakePagerDuty::list_incidents(const RecordedRequest& request) const {
  const std::string key = request.param("incident_key");
  const std::string status = request.param("statuses[]");
  std::vector<const Incident*> matching;
  for (const auto& i : incidents_) {
    if ((key.empty() || i.incident_key == key) && (status.empty() || i.status == status))
      matching.push_back(&i);
  }
  std::size_t limit = 25, offset = 0;
  try {
    if (!request.param("limit").empty())
      limit = std::clamp<std::size_t>(std::stoul(request.param("limit")), 1, 100);
    if (!request.param("offset").empty()) offset = std::stoul(request.param("offset"));
  } catch (const std::exception&) {
    return invalid_input("limit and offset must be non-negative integers");
  }
  json::array page;
  for (std::size_t i = offset; i < matching.size() && i < offset + limit; ++i)
    page.emplace_back(to_json(*matching[i]));
  json::object out{{"incidents", std::move(page)},
                   {"limit", limit},
                   {"offset", offset},
                   {"more", offset + limit < matching.size()},
                   {"total", nullptr}};
  if (request.param("total") == "true") out["total"] = matching.size();
  return ok(200, std::move(out));
}

Response FakePagerDuty::update_incident(Incident& incident, const RecordedRequest& request) {
  json::error_code ec;
  const json::value body = json::parse(request.body, ec);
  if (ec || !body.is_object()) return invalid_input("Request body is not a JSON object");
  const auto* in = object_at(body.get_object(), "incident");
  if (!in) return invalid_input("incident must be an object");
  bool bad = false;
  const auto type = string_at(*in, "type", bad);
  if (type != "incident_reference" && type != "incident") {
    return invalid_input("incident.type must be \"incident_reference\" or \"incident\"");
  }
  const auto status = string_at(*in, "status", bad);
  if (status && *status != "acknowledged" && *status != "resolved") {
    return invalid_input("incident.status must be acknowledged or resolved");
  }
  const auto urgency = string_at(*in, "urgency", bad);
  if (urgency && *urgency != "high" && *urgency != "low")
    return invalid_input("incident.urgency must be high or low");
  const auto title = string_at(*in, "title", bad);
  if (bad) return invalid_input("incident fields must be strings");
  std::string priority_id = incident.priority_id;
  if (const auto problem = priority_problem(*in, options_.priorities, priority_id))
    return invalid_input(*problem);
  incident.priority_id = priority_id;
  if (status == "resolved" && incident.status == "resolved") {
    return error(400, "Incident Already Resolved", 1001, {"Incident Already Resolved"});
  }
  if (status == "acknowledged" && incident.status == "acknowledged") {
    return error(400, "Incident Already Acknowledged", 1002, {"Incident Already Acknowledged"});
  }
  if (status) {  // acknowledging a resolved incident reopens it (since 2025-09-18)
    incident.status = *status;
    incident.last_status_change_at = iso8601_now();
    incident.last_status_change_by = options_.own_user_name;
    incident.last_status_change_by_id = options_.own_user_id;
  }
  if (urgency) incident.urgency = *urgency;
  if (title && !title->empty()) incident.title = *title;
  return ok(200, {{"incident", to_json(incident)}});
}

Response FakePagerDuty::add_note(Incident& incident, const RecordedRequest& request) {
  json::error_code ec;
  const json::value body = json::parse(request.body, ec);
  if (ec || !body.is_object()) return invalid_input("Request body is not a JSON object");
  const auto* in = object_at(body.get_object(), "note");
  bool bad = false;
  const auto content = in ? string_at(*in, "content", bad) : std::nullopt;
  if (bad || !content || content->empty()) return invalid_input("Note content must be a non-empty string");
  if (characters(*content) > kMaxNoteChars)
    return invalid_input("Content is too long (maximum is 25000 characters)");
  if (incident.notes.size() >= kMaxNotesPerIncident)
    return invalid_input("Incident has reached the maximum of notes");
  Note note{.id = "Q" + random_string(13, kIdAlphabet),
            .content = *content,
            .created_at = iso8601_now(),
            .user_id = options_.own_user_id,
            .user_summary = options_.own_user_name};
  incident.notes.push_back(note);
  return ok(200, {{"note", to_json(note)}});
}

json::object FakePagerDuty::user_json(const std::string& id, const std::string& name,
                                      const std::string& email) const {
  return {{"id", id},
          {"type", "user"},
          {"summary", name},
          {"name", name},
          {"email", email},
          {"self", url() + "/users/" + id},
          {"html_url", "https://fake.pagerduty.com/users/" + id}};
}

// As PagerDuty: the query matches any part of a name or an email, ignoring case; the lookalike comes first.
Response FakePagerDuty::list_users(const RecordedRequest& request) const {
  const auto lower = [](std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  const std::string query = lower(request.param("query"));
  const auto matches = [&](const std::string& name, const std::string& email) {
    return lower(name).find(query) != std::string::npos || lower(email).find(query) != std::string::npos;
  };
  json::array users;
  if (!options_.lookalike_email.empty() && matches("Old ogpd bot", options_.lookalike_email))
    users.emplace_back(user_json("PLOOK01", "Old ogpd bot", options_.lookalike_email));
  if (matches(options_.own_user_name, options_.from_email))
    users.emplace_back(user_json(options_.own_user_id, options_.own_user_name, options_.from_email));
  return ok(200, {{"users", std::move(users)}, {"limit", 25}, {"offset", 0}, {"more", false}});
}

json::object FakePagerDuty::to_json(const Incident& incident) const {
  return {{"id", incident.id},
          {"type", "incident"},
          {"summary", "[#" + std::to_string(incident.number) + "] " + incident.title},
          {"self", url() + "/incidents/" + incident.id},
          {"html_url", "https://fake.pagerduty.com/incidents/" + incident.id},
          {"incident_number", incident.number},
          {"title", incident.title},
          {"created_at", incident.created_at},
          {"status", incident.status},
          {"last_status_change_at", incident.last_status_change_at},
          {"last_status_change_by",
           {{"id", incident.last_status_change_by_id},
            {"type", "user_reference"},
            {"summary", incident.last_status_change_by}}},
          {"updated_at", incident.last_status_change_at},
          {"incident_key", incident.incident_key},
          {"service",
           {{"id", incident.service_id},
            {"type", "service_reference"},
            {"summary", "Fake service"},
            {"self", url() + "/services/" + incident.service_id},
            {"html_url", "https://fake.pagerduty.com/service-directory/" + incident.service_id}}},
          {"assignments", json::array()},
          {"acknowledgements", json::array()},
          {"urgency", incident.urgency},
          {"priority", priority_json(incident.priority_id)}};
}

json::value FakePagerDuty::priority_json(const std::string& id) const {
  for (const auto& [known, name] : options_.priorities)
    if (known == id)
      return json::object{{"id", id}, {"type", "priority_reference"}, {"summary", name}, {"name", name}};
  return nullptr;
}

// The Events API v2 as PagerDuty documents it: 202 {status, message, dedup_key}; 400 "invalid event".
Response FakePagerDuty::enqueue(const RecordedRequest& request) {
  const auto invalid = [](std::string why) {
    Response r;
    r.status = 400;
    r.headers = {{"Content-Type", "application/json"}};
    r.body = json::serialize(json::object{{"status", "invalid event"},
                                          {"message", "Event object is invalid"},
                                          {"errors", json::array{json::value(why)}}});
    return r;
  };
  json::error_code ec;
  const json::value body = json::parse(request.body, ec);
  if (ec || !body.is_object()) return invalid("Request body is not a JSON object");
  const auto& event = body.get_object();
  bool bad = false;
  const auto routing_key = string_at(event, "routing_key", bad);
  const auto action = string_at(event, "event_action", bad);
  auto dedup_key = string_at(event, "dedup_key", bad);
  if (bad || !routing_key) return invalid("'routing_key' is missing or blank");
  const auto service = options_.routing_keys.find(*routing_key);
  if (service == options_.routing_keys.end()) return invalid("Invalid routing key");
  if (!action || (*action != "trigger" && *action != "acknowledge" && *action != "resolve"))
    return invalid("'event_action' is invalid");
  if (*action != "trigger" && (!dedup_key || dedup_key->empty()))
    return invalid("'dedup_key' is required for acknowledge and resolve");
  Incident* open = dedup_key ? open_with_key(*dedup_key, service->second) : nullptr;
  if (*action == "trigger") {
    const auto* payload = object_at(event, "payload");
    const auto summary = payload ? string_at(*payload, "summary", bad) : std::nullopt;
    const auto severity = payload ? string_at(*payload, "severity", bad) : std::nullopt;
    const auto source = payload ? string_at(*payload, "source", bad) : std::nullopt;
    if (!summary || summary->empty() || !source || source->empty())
      return invalid("'payload' needs summary and source");
    if (!severity ||
        (*severity != "critical" && *severity != "error" && *severity != "warning" && *severity != "info"))
      return invalid("'payload.severity' is invalid");
    if (!open) {
      Incident incident;
      incident.title = *summary;
      incident.urgency = *severity == "critical" || *severity == "error" ? "high" : "low";
      incident.incident_key = dedup_key && !dedup_key->empty() ? *dedup_key : random_uuid();
      incident.service_id = service->second;
      incident.last_status_change_by = "Events API";
      incident.last_status_change_by_id = service->second;
      dedup_key = incident.incident_key;
      insert(std::move(incident));
    }
  } else if (open) {
    const std::string status = *action == "acknowledge" ? "acknowledged" : "resolved";
    if (open->status != status) {
      open->status = status;
      open->last_status_change_at = iso8601_now();
      open->last_status_change_by = "Events API";
      open->last_status_change_by_id = service->second;
    }
  }
  Response r;
  r.status = 202;
  r.headers = {{"Content-Type", "application/json"}};
  r.body = json::serialize(json::object{
      {"status", "success"}, {"message", "Event processed"}, {"dedup_key", dedup_key.value_or("")}});
  return r;
}

json::object FakePagerDuty::to_json(const Note& note) const {
  return {{"id", note.id},
          {"user",
           {{"id", note.user_id},
            {"type", "user_reference"},
            {"summary", note.user_summary},
            {"self", url() + "/users/" + note.user_id},
            {"html_url", "https://fake.pagerduty.com/users/" + note.user_id}}},
          {"channel", {{"summary", "The PagerDuty website or APIs"}}},
          {"content", note.content},
          {"created_at", note.created_at}};
}

Response FakePagerDuty::throttled(const RateLimitInfo& info) const {
  Response response = error(429, "Rate Limit Exceeded", 2020);
  response.headers = rate_limit_headers(info);
  return response;
}

std::string FakePagerDuty::error_body(int status) const {
  return error(status, reason_phrase(status)).body;
}

Headers FakePagerDuty::rate_limit_headers(const RateLimitInfo& info) const {
  return {{"ratelimit-limit", std::to_string(info.limit)},
          {"ratelimit-remaining", std::to_string(info.remaining)},
          {"ratelimit-reset", std::to_string(info.reset_seconds)}};
}

void FakePagerDuty::describe(json::object& state) const {
  std::lock_guard lock(mu_);
  json::array list;
  for (const auto& i : incidents_) {
    json::object item = to_json(i);
    item["details"] = i.details;
    json::array notes;
    for (const auto& n : i.notes) notes.emplace_back(to_json(n));
    item["notes"] = std::move(notes);
    list.emplace_back(std::move(item));
  }
  state["incidents"] = std::move(list);
  state["creates"] = creates_;
  state["first_create_ms"] = first_create_ ? json::value(steady_ms(*first_create_)) : json::value(nullptr);
  state["last_create_ms"] = last_create_ ? json::value(steady_ms(*last_create_)) : json::value(nullptr);
}

}  // namespace ogpd::fakes
