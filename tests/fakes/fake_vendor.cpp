#include "fakes/fake_vendor.h"

#include <algorithm>
#include <boost/beast/http/status.hpp>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <random>
#include <stdexcept>
#include <thread>

namespace ogpd::fakes {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

FakeVendor::~FakeVendor() {
  stop();
}

void FakeVendor::start(unsigned short port) {
  server_ = std::make_unique<HttpServer>(
      port, [this](const RecordedRequest& request) { return dispatch(request); });
  server_->start();  // only now: handlers read server_ (url() in bodies)
}

void FakeVendor::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stopped_cv_.notify_all();
  if (server_) server_->stop();
}

unsigned short FakeVendor::port() const {
  return server_->port();
}

std::string FakeVendor::url() const {
  return "http://127.0.0.1:" + std::to_string(port());
}

void FakeVendor::inject(const std::string& route, Fault fault, int times) {
  const auto space = route.find(' ');
  if (space == std::string::npos || space == 0 || space + 1 >= route.size() || route[space + 1] != '/') {
    throw std::invalid_argument("route must be \"METHOD /path-prefix\", got \"" + route + "\"");
  }
  std::lock_guard lock(mu_);
  for (int i = 0; i < times; ++i) faults_.push_back({route.substr(0, space), route.substr(space + 1), fault});
}

std::vector<RecordedRequest> FakeVendor::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

std::size_t FakeVendor::count(const std::string& method, const std::string& path_prefix) const {
  std::lock_guard lock(mu_);
  return static_cast<std::size_t>(std::count_if(
      requests_.begin(), requests_.end(),
      [&](const RecordedRequest& r) { return r.method == method && r.path.starts_with(path_prefix); }));
}

std::size_t FakeVendor::rate_limited() const {
  std::lock_guard lock(mu_);
  return rate_limited_;
}

bool FakeVendor::wait_until(std::function<bool()> predicate, std::chrono::milliseconds timeout) const {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (predicate()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void FakeVendor::set_rate_limit(double requests_per_second, int burst) {
  std::lock_guard lock(mu_);
  rate_ = std::max(0.0, requests_per_second);
  burst_ = std::max(1, burst);
  tokens_ = burst_;
  refilled_at_ = Clock::now();
}

void FakeVendor::set_latency(std::chrono::milliseconds latency) {
  std::lock_guard lock(mu_);
  latency_ = latency;
}

std::optional<Fault> FakeVendor::take_fault(const RecordedRequest& request) {
  const auto it = std::find_if(faults_.begin(), faults_.end(), [&](const PendingFault& f) {
    return (f.method == "*" || f.method == request.method) && request.path.starts_with(f.path_prefix);
  });
  if (it == faults_.end()) return std::nullopt;
  Fault fault = std::move(it->fault);
  faults_.erase(it);
  return fault;
}

std::optional<RateLimitInfo> FakeVendor::take_token(bool& refused) {
  refused = false;
  if (rate_ <= 0) return std::nullopt;
  const auto now = Clock::now();
  tokens_ = std::min(burst_, tokens_ + std::chrono::duration<double>(now - refilled_at_).count() * rate_);
  refilled_at_ = now;
  RateLimitInfo info;
  info.limit = static_cast<int>(burst_);
  if (tokens_ >= 1) {
    tokens_ -= 1;
    info.remaining = static_cast<int>(std::floor(tokens_));
    info.reset_seconds = std::max(1, static_cast<int>(std::ceil((burst_ - tokens_) / rate_)));
  } else {
    refused = true;
    info.remaining = 0;
    info.reset_seconds = std::max(1, static_cast<int>(std::ceil((1 - tokens_) / rate_)));
  }
  return info;
}

void FakeVendor::pause(std::chrono::milliseconds duration) {
  if (duration.count() <= 0) return;
  std::unique_lock lock(mu_);
  stopped_cv_.wait_for(lock, duration, [this] { return stopping_; });
}

void FakeVendor::refuse_credentials_for(std::chrono::milliseconds window) {
  std::lock_guard lock(mu_);
  refusing_until_ = Clock::now() + window;
}

Response FakeVendor::dispatch(const RecordedRequest& request) {
  if (request.path == "/_fake/state" && request.method == "GET") return state();
  if (request.path.starts_with("/_fake/") && request.method == "POST") {
    boost::system::error_code ec;
    const auto body = json::parse(request.body, ec);
    if (ec || !body.is_object()) return {.status = 400, .body = R"({"error":"a JSON object, please"})"};
    if (auto seeded = seed(request.path.substr(7), body.as_object())) return *seeded;
    return {.status = 404, .body = R"({"error":"no such fake control"})"};
  }

  std::optional<Fault> fault;
  std::optional<RateLimitInfo> rate;
  bool refused = false;
  std::chrono::milliseconds wait{0};
  {
    std::lock_guard lock(mu_);
    requests_.push_back(request);
    if (Clock::now() < refusing_until_) fault = Fault{.status = 401};
    if (!fault) fault = take_fault(request);
    if (!fault) rate = take_token(refused);  // an injected fault is what the test asked for: it wins
    if (refused) ++rate_limited_;
    wait = latency_ + (fault ? fault->delay : std::chrono::milliseconds(0));
  }

  Response response;
  if (fault && fault->drop_before) {
    response.drop = true;
  } else if (fault && fault->status != 0 && !fault->apply_then_drop) {
    response.status = fault->status;
    response.body = fault->body.empty() ? error_body(fault->status) : fault->body;
    response.headers = fault->headers;
  } else if (refused) {
    response = throttled(*rate);
  } else {
    response = handle(request);
    if (rate) {
      for (auto& header : rate_limit_headers(*rate)) response.headers.push_back(std::move(header));
    }
    if (fault && fault->apply_then_drop) response.drop = true;
  }
  pause(wait);  // after the effect: a client that gives up meanwhile finds it applied when it retries
  return response;
}

Response FakeVendor::state() const {
  json::object doc;
  {
    std::lock_guard lock(mu_);
    doc["requests"] = requests_.size();
    doc["rate_limited"] = rate_limited_;
  }
  doc["now_ms"] = steady_ms(Clock::now());
  describe(doc);
  return {.status = 200, .body = json::serialize(doc)};
}

const json::object* object_at(const json::object& parent, std::string_view key) {
  const auto* value = parent.if_contains(key);
  return value ? value->if_object() : nullptr;
}

// The string at `key`, nullopt when absent, "" + `bad` set when present but not a string.
std::optional<std::string> string_at(const json::object& parent, std::string_view key, bool& bad) {
  const auto* value = parent.if_contains(key);
  if (!value || value->is_null()) return std::nullopt;
  if (!value->is_string()) {
    bad = true;
    return std::string();
  }
  return std::string(value->get_string());
}

std::string iso8601_now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  const std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  char out[48];
  std::snprintf(out, sizeof out, "%.*s.%03dZ", static_cast<int>(n), text, static_cast<int>(millis));
  return out;
}

namespace {
std::mt19937_64& generator() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return engine;
}
}  // namespace

std::string random_string(std::size_t length, std::string_view alphabet) {
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::string out(length, ' ');
  for (auto& c : out) c = alphabet[pick(generator())];
  return out;
}

std::string random_uuid() {
  std::string id = random_string(32, "0123456789abcdef");
  id[12] = '4';
  id[16] = "89ab"[std::uniform_int_distribution<int>(0, 3)(generator())];
  return id.substr(0, 8) + "-" + id.substr(8, 4) + "-" + id.substr(12, 4) + "-" + id.substr(16, 4) + "-" +
         id.substr(20);
}

std::string reason_phrase(int status) {
  namespace http = boost::beast::http;
  const auto reason = http::obsolete_reason(http::int_to_status(static_cast<unsigned>(status)));
  return reason.empty() || reason == "<unknown-status>" ? std::string("Error") : std::string(reason);
}

long long steady_ms(std::chrono::steady_clock::time_point at) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
}

}  // namespace ogpd::fakes
