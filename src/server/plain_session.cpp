// The plain-HTTP instantiation of Session (session.h).
#include "server/session.h"

namespace ogpd::server {

void start_session(Server& server, tcp::socket socket) {
  std::make_shared<Session<beast::tcp_stream>>(server, std::move(socket))->start();
}

}  // namespace ogpd::server
