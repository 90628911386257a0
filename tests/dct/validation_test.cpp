// Strict writer rules (server_block.hpp, docs/dct-format.md 3.3 "strict rules" used as the writer's
// validation, 3.5 port rules, 4.1 key rules). Each refusal is its own test.
#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <functional>
#include <memory>
#include <variant>
#include <vector>

#include "dct_test_support.hpp"
#include "photon_dct/dct/decode.hpp"
#include "photon_dct/dct/server_block.hpp"
#include "photon_dct/keys/key.hpp"

using namespace photon_dct;
using namespace photon_dct::dct;
using namespace dcttest;

namespace {

void host_refused(std::string_view text, std::initializer_list<std::string_view> rule) {
    expect_invalid_input([&] { (void)parse_host(text, "--host"); }, rule);
}
void port_refused(std::string_view text, std::initializer_list<std::string_view> rule) {
    expect_invalid_input([&] { (void)parse_port(text, "--port"); }, rule);
}

} // namespace

TEST(ValueSource, ErrorsNameTheSourceTheCallerGives) {
    // A profile names its place instead of an option; nothing hard-codes --host or --port.
    const std::string place = "unit.toml:3:8: [server] host";
    for (const auto& run : std::vector<std::function<void()>>{
             [&] { (void)parse_host("a..b", place); },
             [&] { (void)parse_port("0", place); },
             [&] { (void)parse_os_version("latest", place); },
             [&] { (void)parse_slot("quic", place); },
         }) {
        try {
            run();
            ADD_FAILURE() << "expected InvalidInput";
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::InvalidInput);
            EXPECT_EQ(std::string(e.what()).rfind(place, 0), 0u) << e.what();
            for (const char* option : {"--host", "--port", "--device-os", "--protocol"}) {
                EXPECT_EQ(std::string(e.what()).find(option), std::string::npos) << e.what();
                EXPECT_EQ(std::string(e.hint()).find(option), std::string::npos) << e.hint();
            }
        }
    }
    EXPECT_EQ(parse_slot("udp", "--protocol"), Slot::Udp);
    EXPECT_EQ(parse_slot("tcp", "--protocol"), Slot::Tcp);
}

// ---- hosts refused ----------------------------------------------------------------------
TEST(ParseHost, RefusesEmpty) { host_refused("", {"empty"}); }
TEST(ParseHost, RefusesThreePartIpv4) { host_refused("1.2.3", {"four parts"}); }
TEST(ParseHost, RefusesFivePartIpv4) { host_refused("1.2.3.4.5", {"four parts"}); }
TEST(ParseHost, RefusesOctetAbove255) { host_refused("256.1.1.1", {"0 to 255"}); }
TEST(ParseHost, RefusesLeadingZeroOctet) { host_refused("01.2.3.4", {"leading zero"}); }
TEST(ParseHost, RefusesAllZeroAddress) { host_refused("0.0.0.0", {"0.0.0.0", "not a server address"}); }
TEST(ParseHost, RefusesBroadcastAddress) { host_refused("255.255.255.255", {"broadcast"}); }
TEST(ParseHost, RefusesIpv6Loopback) { host_refused("::1", {"IPv6"}); }
TEST(ParseHost, RefusesBracketedIpv6) { host_refused("[2001:db8::1]", {"IPv6"}); }
TEST(ParseHost, RefusesHostColonPort) { host_refused("host:5683", {"host:port"}); }
TEST(ParseHost, RefusesNonAscii) {
    host_refused("b\xc3\xbc"
                 "cher.example",
                 {"non-ASCII"});
}
TEST(ParseHost, RefusesSixtyFourCharacterName) {
    const std::string name = std::string(60, 'a') + ".com";
    ASSERT_EQ(name.size(), 64u);
    host_refused(name, {"64 characters", "63"});
}
TEST(ParseHost, RefusesSixtyFourCharacterLabel) {
    // A 64-character label cannot fit in a 63-character name, so either the label rule or the
    // length rule may name it; both say 63.
    host_refused(std::string(64, 'a'), {"63"});
    host_refused(std::string(64, 'b') + ".io", {"63"});
}
TEST(ParseHost, RefusesLeadingHyphenLabel) { host_refused("-a.example", {"hyphen"}); }
TEST(ParseHost, RefusesTrailingHyphenLabel) { host_refused("a-.example", {"hyphen"}); }
TEST(ParseHost, RefusesEmptyLabel) { host_refused("a..b", {"empty label"}); }
TEST(ParseHost, RefusesLeadingDot) { host_refused(".example.com", {"empty label"}); }
TEST(ParseHost, RefusesTrailingDot) { host_refused("cloud.example.com.", {"trailing dot"}); }
TEST(ParseHost, RefusesUnderscore) { host_refused("my_server.example", {"'_'", "not allowed"}); }
TEST(ParseHost, RefusesSpace) { host_refused("my server", {"not allowed"}); }
TEST(ParseHost, ErrorsCarryAHint) {
    try {
        (void)parse_host("256.1.1.1", "--host");
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_FALSE(e.hint().empty());
    }
}

// ---- hosts accepted ---------------------------------------------------------------------
TEST(ParseHost, AcceptsIpv4) {
    const Host h = parse_host("10.0.0.5", "--host");
    ASSERT_TRUE(std::holds_alternative<Ipv4Host>(h));
    EXPECT_EQ(std::get<Ipv4Host>(h).octets, (std::array<std::uint8_t, 4>{10, 0, 0, 5}));
    const Host edge = parse_host("255.255.255.254", "--host");
    EXPECT_EQ(std::get<Ipv4Host>(edge).octets, (std::array<std::uint8_t, 4>{255, 255, 255, 254}));
    EXPECT_EQ(std::get<Ipv4Host>(parse_host("0.0.0.1", "--host")).octets, (std::array<std::uint8_t, 4>{0, 0, 0, 1}));
}
TEST(ParseHost, AcceptsDomain) {
    const Host h = parse_host("cloud.example.com", "--host");
    ASSERT_TRUE(std::holds_alternative<DomainHost>(h));
    EXPECT_EQ(std::get<DomainHost>(h).name, "cloud.example.com");
}
TEST(ParseHost, AcceptsSixtyThreeCharacterName) {
    const std::string name = std::string(59, 'a') + ".com";
    ASSERT_EQ(name.size(), 63u);
    EXPECT_EQ(std::get<DomainHost>(parse_host(name, "--host")).name, name);
    // a single 63-character label
    EXPECT_EQ(std::get<DomainHost>(parse_host(std::string(63, 'z'), "--host")).name, std::string(63, 'z'));
}
TEST(ParseHost, AcceptsSingleLetter) { EXPECT_EQ(std::get<DomainHost>(parse_host("a", "--host")).name, "a"); }
TEST(ParseHost, AcceptsPunycode) {
    EXPECT_EQ(std::get<DomainHost>(parse_host("xn--bcher-kva.example", "--host")).name, "xn--bcher-kva.example");
}

// ---- ports ------------------------------------------------------------------------------
TEST(ParsePort, RefusesZero) { port_refused("0", {"out of range"}); }
TEST(ParsePort, Refuses65535) { port_refused("65535", {"out of range"}); }
TEST(ParsePort, Refuses65536) { port_refused("65536", {"out of range"}); }
TEST(ParsePort, RefusesNegative) { port_refused("-1", {"not a decimal number"}); }
TEST(ParsePort, RefusesLetters) { port_refused("abc", {"not a decimal number"}); }
TEST(ParsePort, RefusesEmpty) { port_refused("", {"not a decimal number"}); }
TEST(ParsePort, RefusesLeadingSpace) { port_refused(" 80", {"not a decimal number"}); }
TEST(ParsePort, RefusesTrailingGarbage) { port_refused("80x", {"not a decimal number"}); }
TEST(ParsePort, RefusesHugeNumber) { port_refused("99999999999999999999999", {}); }
TEST(ParsePort, AcceptsRange) {
    EXPECT_EQ(parse_port("1", "--port"), 1);
    EXPECT_EQ(parse_port("65534", "--port"), 65534);
    EXPECT_EQ(parse_port("5683", "--port"), 5683);
    EXPECT_EQ(parse_port("5684", "--port"), 5684);
}

// ---- server keys ------------------------------------------------------------------------
TEST(ServerKeyRules, Rsa1024RefusedForTcp) {
    const keys::Key k = keys::generate_rsa(1024);
    expect_invalid_input([&] { (void)server_key_der_for_slot(Slot::Tcp, k); }, {"RSA-1024", "RSA-2048"});
}
TEST(ServerKeyRules, Rsa2048WithExponent3RefusedForTcp) {
    const keys::Key k = keys::generate_rsa(2048, 3);
    ASSERT_EQ(k.rsa_public_exponent(), 3u);
    expect_invalid_input([&] { (void)server_key_der_for_slot(Slot::Tcp, k); }, {"65537"});
}
TEST(ServerKeyRules, EcKeyRefusedForTcp) {
    expect_invalid_input([&] { (void)server_key_der_for_slot(Slot::Tcp, server_ec()); }, {"EC P-256", "RSA-2048"});
}
TEST(ServerKeyRules, RsaKeyRefusedForUdp) {
    expect_invalid_input([&] { (void)server_key_der_for_slot(Slot::Udp, server_rsa2048()); },
                         {"RSA-2048", "P-256"});
}
TEST(ServerKeyRules, EcP384RefusedForUdp) {
    // The keys API only generates P-256; make a P-384 key with OpenSSL and hand it over as PEM.
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(EVP_EC_gen("P-384"), EVP_PKEY_free);
    ASSERT_TRUE(pkey);
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    ASSERT_EQ(PEM_write_bio_PUBKEY(bio.get(), pkey.get()), 1);
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    const keys::Key k =
        keys::load_key(ByteView(reinterpret_cast<const std::uint8_t*>(data), static_cast<std::size_t>(n)), "p384.pem");
    ASSERT_EQ(k.algorithm_name(), "EC P-384");
    expect_invalid_input([&] { (void)server_key_der_for_slot(Slot::Udp, k); }, {"P-384", "P-256"});
}
TEST(ServerKeyRules, PrivateRsa2048GivesThePublicSpki) {
    // A private key file is accepted; only its public part is stored (294 bytes, §4.1 prefix).
    const Bytes der = server_key_der_for_slot(Slot::Tcp, server_rsa2048());
    EXPECT_EQ(der.size(), 294u);
    EXPECT_EQ(slice(der, 0, 33), rsa2048_spki_prefix());
    EXPECT_EQ(der, server_key_der_for_slot(Slot::Tcp, server_rsa2048().public_only()));
}
