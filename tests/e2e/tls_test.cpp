// End to end: HTTPS served directly (TLS_CERT_FILE/TLS_KEY_FILE), certificates made by the openssl command,
// a real TLS client over loopback, and the key reloaded on SIGHUP without dropping connections.
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <signal.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "e2e/proxy_process.h"

namespace ogpd::testing {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

// A self-signed certificate for CN=`name` and its key, written to `dir`/cert.pem and key.pem.
bool make_certificate(const std::filesystem::path& dir, const std::string& name) {
  const std::string command =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2"
      " -subj /CN=" +
      name + " -keyout " + (dir / "key.pem").string() + " -out " + (dir / "cert.pem").string() +
      " >/dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

// One TLS connection, kept open for several requests.
class TlsClient {
 public:
  explicit TlsClient(unsigned short port, int max_version = 0) : context_(ssl::context::tls_client) {
    context_.set_verify_mode(ssl::verify_none);  // self-signed; what is served is checked by its name
    if (max_version != 0) SSL_CTX_set_max_proto_version(context_.native_handle(), max_version);
    stream_ = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(io_, context_);
    beast::error_code ec;
    beast::get_lowest_layer(*stream_).socket().connect(
        tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
    beast::get_lowest_layer(*stream_).expires_after(std::chrono::seconds(10));
    if (!ec) stream_->handshake(ssl::stream_base::client, ec);
    connected_ = !ec;
  }
  bool connected() const { return connected_; }

  std::string peer_name() {
    X509* cert = SSL_get1_peer_certificate(stream_->native_handle());
    if (cert == nullptr) return {};
    char name[256] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, name, sizeof name);
    X509_free(cert);
    return name;
  }
  int version() { return SSL_version(stream_->native_handle()); }

  HttpReply send(const std::string& method, const std::string& target, const std::string& body = {}) {
    HttpReply reply;
    if (!connected_) return reply;
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.body() = body;
    req.prepare_payload();
    beast::error_code ec;
    beast::get_lowest_layer(*stream_).expires_after(std::chrono::seconds(10));
    http::write(*stream_, req, ec);
    http::response<http::string_body> res;
    if (!ec) http::read(*stream_, buffer_, res, ec);
    if (ec) return reply;
    reply.status = static_cast<int>(res.result_int());
    reply.body = res.body();
    return reply;
  }

 private:
  net::io_context io_;
  ssl::context context_;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> stream_;
  beast::flat_buffer buffer_;
  bool connected_ = false;
};

class Tls : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(make_certificate(dir_.path(), "one"));
    proxy_ = std::make_unique<ProxyProcess>(
        dir_.path(),
        std::map<std::string, std::string>{{"TLS_CERT_FILE", (dir_.path() / "cert.pem").string()},
                                           {"TLS_KEY_FILE", (dir_.path() / "key.pem").string()}});
    proxy_->launch();  // start() would wait for plain HTTP, which an HTTPS port never answers
    ASSERT_TRUE(eventually([&] { return TlsClient(proxy_->port()).send("GET", "/healthz").status == 200; }))
        << proxy_->output();
  }
  static bool eventually(const std::function<bool()>& predicate) {
    for (int i = 0; i < 250; ++i) {
      if (predicate()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  WorkDir dir_;
  std::unique_ptr<ProxyProcess> proxy_;
};

TEST_F(Tls, ServesHttpsWithTheConfiguredCertificateAndTls12OrLater) {
  TlsClient client(proxy_->port());
  ASSERT_TRUE(client.connected());
  EXPECT_EQ(client.peer_name(), "one");
  EXPECT_GE(client.version(), TLS1_2_VERSION);
  const auto reply =
      client.send("POST", "/ops-webhook",
                  R"({"action":"Create","alert":{"alertId":"tls-1","message":"m"},"integrationId":"i"})");
  EXPECT_EQ(reply.status, 202) << reply.body;
  EXPECT_NE(proxy_->output().find("HTTPS"), std::string::npos);
}

TEST_F(Tls, OldProtocolsAndPlainHttpAreRefusedAndTheServerCarriesOn) {
  EXPECT_FALSE(TlsClient(proxy_->port(), TLS1_1_VERSION).connected());
  EXPECT_EQ(http_request(proxy_->port(), "GET", "/healthz").status, 0);
  EXPECT_EQ(TlsClient(proxy_->port()).send("GET", "/healthz").status, 200);
}

TEST_F(Tls, SighupReloadsTheCertificateWithoutDroppingOpenConnections) {
  TlsClient before(proxy_->port());
  ASSERT_EQ(before.send("GET", "/healthz").status, 200);
  ASSERT_TRUE(make_certificate(dir_.path(), "two"));
  ASSERT_EQ(::kill(proxy_->pid(), SIGHUP), 0);
  ASSERT_TRUE(eventually([&] {
    return proxy_->output().find("TLS certificate and key reloaded") != std::string::npos;
  })) << proxy_->output();
  EXPECT_EQ(before.send("GET", "/healthz").status, 200);  // the open connection goes on
  TlsClient after(proxy_->port());
  EXPECT_EQ(after.peer_name(), "two");

  // A broken file on reload keeps the certificate in use.
  std::ofstream(dir_.path() / "cert.pem") << "not a certificate";
  ASSERT_EQ(::kill(proxy_->pid(), SIGHUP), 0);
  ASSERT_TRUE(eventually([&] {
    return proxy_->output().find("previous certificate stays") != std::string::npos;
  })) << proxy_->output();
  TlsClient still(proxy_->port());
  EXPECT_EQ(still.peer_name(), "two");
  EXPECT_EQ(still.send("GET", "/healthz").status, 200);
}

TEST(TlsStartup, AKeyThatDoesNotMatchTheCertificateStopsStartUp) {
  WorkDir dir;
  const auto other = dir.path() / "other";
  std::filesystem::create_directories(other);
  ASSERT_TRUE(make_certificate(dir.path(), "one"));
  ASSERT_TRUE(make_certificate(other, "two"));
  ProxyProcess proxy(dir.path(), {{"TLS_CERT_FILE", (dir.path() / "cert.pem").string()},
                                  {"TLS_KEY_FILE", (other / "key.pem").string()}});
  EXPECT_EQ(proxy.run_to_exit(), 1);
  EXPECT_NE(proxy.output().find("TLS_KEY_FILE: " + (other / "key.pem").string()), std::string::npos)
      << proxy.output();
  EXPECT_NE(proxy.output().find("mismatch"), std::string::npos) << proxy.output();
  EXPECT_EQ(proxy.output().find("PRIVATE KEY"), std::string::npos);  // never the key itself
}

TEST(TlsStartup, OnlyOneOfTheTwoFilesIsAConfigurationError) {
  WorkDir dir;
  ProxyProcess proxy(dir.path(), {{"TLS_CERT_FILE", "/nonexistent.pem"}}, {"check-config"});
  EXPECT_EQ(proxy.run_to_exit(), 2);
  EXPECT_NE(proxy.output().find("TLS_KEY_FILE: HTTPS needs both"), std::string::npos) << proxy.output();
}

}  // namespace
}  // namespace ogpd::testing
