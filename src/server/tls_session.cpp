// The TLS instantiation of Session (session.h).
#include "server/session.h"

namespace ogpd::server {

void start_session(Server& server, std::shared_ptr<ssl::context> context, tcp::socket socket) {
  std::make_shared<Session<TlsStream>>(server, std::move(context), std::move(socket))->start();
}

}  // namespace ogpd::server
