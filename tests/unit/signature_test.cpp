#include "webhook/signature.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "support/fixtures.h"
#include "webhook/digest.h"

namespace ogpd::webhook {
namespace {

using ogpd::testing::read_fixture;

struct Vector {
  std::string id, secret, body, header;
  bool expected_valid;
};

std::vector<Vector> load_vectors() {
  const auto doc = boost::json::parse(read_fixture("pagerduty/signature_vectors.json"));
  std::vector<Vector> out;
  for (const auto& v : doc.at("vectors").as_array()) {
    const auto& o = v.as_object();
    Vector vec;
    vec.id = o.at("id").as_string().c_str();
    vec.secret = o.at("secret").as_string().c_str();
    vec.header = o.at("header").as_string().c_str();
    vec.expected_valid = o.at("expected_valid").as_bool();
    if (const auto* body = o.if_contains("body")) {
      vec.body = body->as_string().c_str();
    } else {
      std::string file = o.at("body_file").as_string().c_str();
      if (file.rfind("payloads/", 0) == 0) file = file.substr(9);
      vec.body = read_fixture("pagerduty/" + file);
    }
    out.push_back(vec);
  }
  return out;
}

TEST(PagerDutySignature, EveryPublishedVectorGivesItsExpectedVerdict) {
  const auto vectors = load_vectors();
  ASSERT_GE(vectors.size(), 10u);
  for (const auto& v : vectors) {
    EXPECT_EQ(pagerduty_signature_valid({v.secret}, v.header, v.body), v.expected_valid) << v.id;
  }
}

TEST(PagerDutySignature, BodyFilesMatchTheInlineBodiesTheyWereSignedWith) {
  // The captured files must be byte-exact: a trailing newline would break every signature.
  for (const auto& v : load_vectors()) {
    if (v.expected_valid) {
      EXPECT_TRUE(pagerduty_signature_valid({v.secret}, v.header, v.body)) << v.id;
    }
  }
}

class SignatureHeaders : public ::testing::Test {
 protected:
  const std::string body = read_fixture("pagerduty/aldaviva/incident_triggered.json");
  const std::string secret = "HvPtlQNKMPpHSSqJpCdndXfo7HnGXa1pnH6w5axpxLFn9aRBNBGh4e8/HlonK5mz";
  const std::string good = "v1=3e3032b45bbe1801c13f182b0e0a7f4f3f530225cef07e3e90cbc57874d01c49";
};

TEST_F(SignatureHeaders, ValidSignatureIsAccepted) {
  EXPECT_TRUE(pagerduty_signature_valid({secret}, good, body));
}

TEST_F(SignatureHeaders, RotationSecondOfTwoSecretsValidates) {
  EXPECT_TRUE(pagerduty_signature_valid({"old-secret", secret}, good, body));
  EXPECT_FALSE(pagerduty_signature_valid({"old-secret", "other"}, good, body));
}

TEST_F(SignatureHeaders, RotationSecondOfTwoSignaturesValidates) {
  const std::string other = "v1=" + to_hex(hmac_sha256("another-secret", body));
  EXPECT_TRUE(pagerduty_signature_valid({secret}, other + "," + good, body));
  EXPECT_TRUE(pagerduty_signature_valid({secret}, other + ", " + good, body));
  EXPECT_FALSE(pagerduty_signature_valid({secret}, other, body));
}

TEST_F(SignatureHeaders, MalformedHeadersAreRejected) {
  const std::string hex = good.substr(3);
  for (const std::string& header :
       {std::string(""), std::string("v1="), std::string("v1"), std::string(hex), std::string("v2=") + hex,
        std::string("v1=") + hex.substr(0, 63), std::string("v1=") + hex + "00",
        std::string("v1=zz") + hex.substr(2), std::string(","), std::string("v1= ") + "," + "=",
        std::string("V1=") + hex}) {
    EXPECT_FALSE(pagerduty_signature_valid({secret}, header, body)) << header;
  }
}

TEST_F(SignatureHeaders, AModifiedBodyFailsTheCheck) {
  std::string tampered = body;
  tampered.back() = ' ';
  EXPECT_FALSE(pagerduty_signature_valid({secret}, good, tampered));
  EXPECT_FALSE(pagerduty_signature_valid({secret}, good, body + "\n"));
}

TEST_F(SignatureHeaders, NoSecretsMeansNothingValidates) {
  EXPECT_FALSE(pagerduty_signature_valid({}, good, body));
}

TEST(OpsgenieToken, BearerOrCustomHeaderCarriesTheToken) {
  EXPECT_TRUE(opsgenie_token_valid("s3cret", "Bearer s3cret", ""));
  EXPECT_TRUE(opsgenie_token_valid("s3cret", "bearer s3cret", ""));
  EXPECT_TRUE(opsgenie_token_valid("s3cret", "", "s3cret"));
  EXPECT_TRUE(opsgenie_token_valid("s3cret", "Basic abc", "s3cret"));
}

TEST(OpsgenieToken, WrongMissingOrPartialTokensFail) {
  EXPECT_FALSE(opsgenie_token_valid("s3cret", "", ""));
  EXPECT_FALSE(opsgenie_token_valid("s3cret", "Bearer s3cre", ""));
  EXPECT_FALSE(opsgenie_token_valid("s3cret", "Bearer s3cret2", ""));
  EXPECT_FALSE(opsgenie_token_valid("s3cret", "s3cret", ""));
  EXPECT_FALSE(opsgenie_token_valid("s3cret", "Bearer ", ""));
  EXPECT_FALSE(opsgenie_token_valid("s3cret", "", "S3CRET"));
}

TEST(Digest, Sha256AndHmacMatchKnownAnswers) {
  EXPECT_EQ(to_hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231 test case 2
  EXPECT_EQ(to_hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

}  // namespace
}  // namespace ogpd::webhook
