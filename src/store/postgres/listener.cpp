#include "store/postgres/listener.h"

#include <poll.h>
#include <pthread.h>

#include <chrono>

#include "store/postgres/schema.h"

namespace ogpd::store {
namespace {

constexpr int kPollMs = 200;  // how soon stop() is noticed

}  // namespace

PgListener::PgListener(PgDatabase& database, std::function<void()> wake)
    : database_(database), wake_(std::move(wake)) {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "ogpd-listen");
    run();
  });
}

void PgListener::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void PgListener::run() {
  int backoff_ms = 100;
  while (!stopping_) {
    auto connection = database_.dedicated();
    if (!connection.ok() || !connection->run("LISTEN " + std::string(pg_sql::kChannel)).ok()) {
      for (int waited = 0; waited < backoff_ms && !stopping_; waited += kPollMs)
        std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
      backoff_ms = std::min(backoff_ms * 2, 5000);
      continue;
    }
    backoff_ms = 100;
    wake_();  // anything queued while this proxy was not listening
    PGconn* conn = connection->handle();
    while (!stopping_ && connection->healthy()) {
      pollfd fd{PQsocket(conn), POLLIN, 0};
      if (::poll(&fd, 1, kPollMs) <= 0) continue;
      if (PQconsumeInput(conn) == 0) break;  // the connection is gone: make a new one
      bool notified = false;
      while (PGnotify* n = PQnotifies(conn)) {
        notified = true;
        PQfreemem(n);
      }
      if (notified) wake_();
    }
  }
}

}  // namespace ogpd::store
