// DryRunHttpClient: logs every request exactly as it would be sent (method, URL, body; the Authorization
// header is never logged) and answers as the vendor would on success, without sending anything. So the whole
// pipeline — journal, planning, outbox, links — runs and drains in dry-run mode. Thread-safe.
#pragma once

#include "clients/http_client.h"

namespace ogpd::clients {

class DryRunHttpClient final : public HttpClient {
 public:
  HttpResult send(const HttpRequest& request) override;
};

}  // namespace ogpd::clients
