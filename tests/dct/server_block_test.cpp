// Server block encoder: golden bytes from docs/dct-format.md section 9 (9.1, 9.2, 9.4, 9.5) and 4.1/4.3.
#include <gtest/gtest.h>

#include "dct_test_support.hpp"
#include "photon_dct/dct/decode.hpp"
#include "photon_dct/dct/known_keys.hpp"
#include "photon_dct/dct/platform.hpp"
#include "photon_dct/dct/server_block.hpp"
#include "photon_dct/keys/key.hpp"

using namespace photon_dct;
using namespace photon_dct::dct;
using namespace dcttest;

namespace {

const SlotLayout& tcp() { return platform(PlatformId::Photon).tcp; }
const SlotLayout& udp() { return platform(PlatformId::Electron).udp; }

Bytes tcp_key_der() { return server_key_der_for_slot(Slot::Tcp, server_rsa2048()); }

// §9.1 block bytes 384..511 for cloud.example.com:5683, typed from the hex dump.
Bytes section91_address_part() {
    return cat({hex("01 11 63 6c 6f 75 64 2e 65 78 61 6d 70 6c 65 2e"
                    "63 6f 6d ff ff ff ff ff ff ff ff ff ff ff ff ff"
                    "ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff"
                    "ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff ff"
                    "ff ff 16 33 ff ff ff ff ff ff ff ff ff ff ff ff"),
                fill(48, 0xFF)});
}

} // namespace

TEST(ServerKeyDer, Rsa2048HasTheExactSection41Layout) {
    const Bytes der = tcp_key_der();
    ASSERT_EQ(der.size(), 294u);
    EXPECT_EQ(slice(der, 0, 33), rsa2048_spki_prefix());
    // Modulus N at 33..288 (256 bytes), then 02 03 01 00 01.
    const Bytes n = server_rsa2048().rsa_modulus();
    ASSERT_EQ(n.size(), 256u);
    EXPECT_EQ(slice(der, 33, 256), n);
    EXPECT_EQ(slice(der, 289, 5), rsa_e65537_suffix());
}

TEST(ServerBlockEncode, Section91DomainWholeBlock) {
    const Bytes der = tcp_key_der();
    const Bytes block = encode_server_block(
        tcp(), {Slot::Tcp, der, parse_host("cloud.example.com", "--host"), std::uint16_t{5683}});
    ASSERT_EQ(block.size(), 512u);
    // §9.1 row by row.
    const Bytes expected = cat({
        hex("30 82 01 22"),
        hex("30 0d 06 09 2a 86 48 86 f7 0d 01 01 01 05 00"),
        hex("03 82 01 0f 00"),
        hex("30 82 01 0a"),
        hex("02 82 01 01 00"),
        server_rsa2048().rsa_modulus(),
        hex("02 03 01 00 01"),
        fill(90, 0xFF),
        hex("01"),
        hex("11"),
        hex("63 6c 6f 75 64 2e 65 78 61 6d 70 6c 65 2e 63 6f 6d"),
        fill(47, 0xFF),
        hex("16 33"),
        fill(60, 0xFF),
    });
    ASSERT_EQ(expected.size(), 512u);
    EXPECT_EQ(block, expected);
    EXPECT_EQ(slice(block, 384, 128), section91_address_part());
}

TEST(ServerBlockEncode, Section91WithParticleProductionKeyFromPem) {
    // §4.3: the PEM decodes to the documented DER (hash and modulus), and the encoder keeps it verbatim.
    const Bytes der = pem_to_der(kParticleTcpPem);
    ASSERT_EQ(der.size(), 294u);
    EXPECT_EQ(keys::sha256_hex(der), kParticleTcpSha256);
    EXPECT_EQ(slice(der, 0, 33), rsa2048_spki_prefix());
    EXPECT_EQ(slice(der, 33, 256), hex(kParticleTcpModulusHex));
    EXPECT_EQ(slice(der, 289, 5), rsa_e65537_suffix());

    const keys::Key key = keys::load_key(view(kParticleTcpPem), "particle tcp pem");
    EXPECT_EQ(server_key_der_for_slot(Slot::Tcp, key), der);
    EXPECT_EQ(keys::fingerprint(particle_tcp_server_key()), kParticleTcpSha256);

    const Bytes block = encode_server_block(
        tcp(), {Slot::Tcp, der, parse_host("cloud.example.com", "--host"), std::uint16_t{5683}});
    EXPECT_EQ(block, cat({der, fill(90, 0xFF), section91_address_part()}));
}

TEST(ServerBlockEncode, ParticleUdpKeyFromPem) {
    const Bytes der = pem_to_der(kParticleUdpPem);
    ASSERT_EQ(der.size(), 91u);
    EXPECT_EQ(keys::sha256_hex(der), kParticleUdpSha256);
    EXPECT_EQ(der, cat({p256_spki_prefix(), hex(kParticleUdpPointHex)}));
    const keys::Key key = keys::load_key(view(kParticleUdpPem), "particle udp pem");
    EXPECT_EQ(server_key_der_for_slot(Slot::Udp, key), der);
    EXPECT_EQ(keys::fingerprint(particle_udp_server_key()), kParticleUdpSha256);
}

TEST(ServerBlockEncode, Section92Ipv4BareKey) {
    const Bytes der = tcp_key_der();
    const Bytes block =
        encode_server_block(tcp(), {Slot::Tcp, der, parse_host("10.0.0.5", "--host"), std::uint16_t{5683}});
    const Bytes expected =
        cat({der, fill(90, 0xFF), hex("00 04 0a 00 00 05"), fill(60, 0xFF), hex("16 33"), fill(60, 0xFF)});
    ASSERT_EQ(expected.size(), 512u);
    EXPECT_EQ(block, expected);
    EXPECT_EQ(slice(block, 384, 16), hex("00 04 0a 00 00 05 ff ff ff ff ff ff ff ff ff ff"));
}

TEST(ServerBlockEncode, SixtyThreeCharacterName) {
    const std::string name = std::string(59, 'a') + ".com"; // 63
    ASSERT_EQ(name.size(), 63u);
    const Bytes der = tcp_key_der();
    const Bytes block =
        encode_server_block(tcp(), {Slot::Tcp, der, parse_host(name, "--host"), std::uint16_t{5683}});
    // 384 type, 385 len 0x3f, 386..448 name, 449 FF, 450..451 port.
    const Bytes expected =
        cat({der, fill(90, 0xFF), hex("01 3f"), ascii(name), fill(1, 0xFF), hex("16 33"), fill(60, 0xFF)});
    ASSERT_EQ(expected.size(), 512u);
    EXPECT_EQ(block, expected);
}

TEST(ServerBlockEncode, NoPortLeavesFFFF) {
    const Bytes der = tcp_key_der();
    const Bytes block =
        encode_server_block(tcp(), {Slot::Tcp, der, parse_host("cloud.example.com", "--host"), std::nullopt});
    EXPECT_EQ(block[450], 0xFF);
    EXPECT_EQ(block[451], 0xFF);
    const Bytes expected = cat({der, fill(90, 0xFF), hex("01 11"), ascii("cloud.example.com"), fill(128 - 19, 0xFF)});
    EXPECT_EQ(block, expected);
}

TEST(ServerBlockEncode, UdpBlockWithEcKey) {
    const Bytes der = server_key_der_for_slot(Slot::Udp, server_ec());
    ASSERT_EQ(der.size(), 91u);
    EXPECT_EQ(slice(der, 0, 27), p256_spki_prefix());
    const Bytes block = encode_server_block(
        udp(), {Slot::Udp, der, parse_host("cloud.example.com", "--host"), std::uint16_t{5684}});
    ASSERT_EQ(block.size(), 320u);
    // §9.4 with a bare key: 0-90 key, 91-191 FF, 192 01, 193 11, 194-210 name, 211-257 FF, 258-259 16 34, 260-319 FF.
    const Bytes expected = cat(
        {der, fill(101, 0xFF), hex("01 11"), ascii("cloud.example.com"), fill(47, 0xFF), hex("16 34"), fill(60, 0xFF)});
    ASSERT_EQ(expected.size(), 320u);
    EXPECT_EQ(block, expected);
}

TEST(ServerBlockEncode, EncoderRefusesOverlongNameEvenWithoutParseHost) {
    const Bytes der = tcp_key_der();
    expect_invalid_input(
        [&] {
            (void)encode_server_block(tcp(), {Slot::Tcp, der, DomainHost{std::string(64, 'a')}, std::nullopt});
        },
        {"63"});
}

TEST(ServerBlockEncode, EncoderRefusesKeyOverlappingTheAddress) {
    const Bytes too_long(385, 0x30);
    expect_invalid_input(
        [&] {
            (void)encode_server_block(tcp(), {Slot::Tcp, too_long, parse_host("a", "--host"), std::nullopt});
        },
        {"385"});
}

TEST(ServerBlockRoundTrip, DecodeAddressGivesBackHostAndPort) {
    const Bytes der = tcp_key_der();
    struct Case {
        const char* host;
        std::optional<std::uint16_t> port;
        AddressType type;
        std::uint16_t raw_port;
    };
    const Case cases[] = {
        {"cloud.example.com", 5683, AddressType::Domain, 5683},
        {"10.0.0.5", 40000, AddressType::Ipv4, 40000},
        {"a", 1, AddressType::Domain, 1},
        {"cloud.example.com", std::nullopt, AddressType::Domain, 0xFFFF},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.host);
        const Bytes block = encode_server_block(tcp(), {Slot::Tcp, der, parse_host(c.host, "--host"), c.port});
        const DecodedAddress a = decode_address(ByteView(block).subspan(384, 128));
        EXPECT_EQ(a.type, c.type);
        EXPECT_EQ(a.host, c.host);
        EXPECT_EQ(a.raw_port, c.raw_port);
        EXPECT_EQ(a.port_is_default, !c.port.has_value());
        EXPECT_FALSE(a.blank);
        EXPECT_FALSE(a.ipv4_length_mismatch);
        EXPECT_FALSE(a.domain_overlaps_port);
        EXPECT_EQ(a.strict_rule_broken, "");
    }
}

TEST(ServerBlockRoundTrip, DecodeDctOfImageWithBlockAt2082) {
    const Bytes der = tcp_key_der();
    const Bytes block = encode_server_block(
        tcp(), {Slot::Tcp, der, parse_host("cloud.example.com", "--host"), std::uint16_t{6000}});
    Bytes image = erased_image();
    put(image, 2082, block);
    put(image, 3618, sample_device_id());
    const DctReport r = decode_dct(platform(PlatformId::Photon), image);
    EXPECT_EQ(r.active_slot, Slot::Tcp);
    EXPECT_FALSE(r.udp.has_value());
    EXPECT_TRUE(r.tcp.used);
    EXPECT_TRUE(r.tcp.address_present);
    EXPECT_EQ(r.tcp.address.type, AddressType::Domain);
    EXPECT_EQ(r.tcp.address.host, "cloud.example.com");
    EXPECT_EQ(r.tcp.address.raw_port, 6000);
    EXPECT_EQ(r.tcp.server_key.state, KeyState::Valid);
    EXPECT_TRUE(r.tcp.server_key.firmware_usable);
    ASSERT_EQ(r.tcp.targets.size(), 5u);
    for (const auto& t : r.tcp.targets) {
        EXPECT_TRUE(t.connects);
        EXPECT_EQ(t.host, "cloud.example.com");
        EXPECT_EQ(t.port, 6000);
        EXPECT_FALSE(t.particle_cloud);
    }

    // Same for the UDP block on an Electron (cloud_transport FF = UDP).
    const Bytes udp_der = server_key_der_for_slot(Slot::Udp, server_ec());
    const Bytes udp_block =
        encode_server_block(udp(), {Slot::Udp, udp_der, parse_host("10.0.0.5", "--host"), std::uint16_t{5684}});
    Bytes e_image = erased_image();
    put(e_image, 3298, udp_block);
    put(e_image, 3618, sample_device_id());
    const DctReport re = decode_dct(platform(PlatformId::Electron), e_image);
    ASSERT_TRUE(re.udp.has_value());
    EXPECT_EQ(re.active_slot, Slot::Udp);
    EXPECT_EQ(re.udp->address.type, AddressType::Ipv4);
    EXPECT_EQ(re.udp->address.host, "10.0.0.5");
    EXPECT_EQ(re.udp->address.raw_port, 5684);
    EXPECT_EQ(re.udp->server_key.state, KeyState::Valid);
    EXPECT_EQ(re.udp->server_key.algorithm, "EC P-256");
    EXPECT_TRUE(re.udp->server_key.firmware_usable);
}

TEST(HostToString, FormatsBothKinds) {
    EXPECT_EQ(host_to_string(Ipv4Host{{10, 0, 0, 5}}), "10.0.0.5");
    EXPECT_EQ(host_to_string(DomainHost{"cloud.example.com"}), "cloud.example.com");
    EXPECT_EQ(host_to_string(parse_host("192.0.2.10", "--host")), "192.0.2.10");
}
