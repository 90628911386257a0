// decode_address / decode_dct against docs/dct-format.md 2, 3.3-3.5, 4.2, 5, 7.5 and 9.
// Images are 16384-byte 0xFF buffers with bytes placed from the reference.
#include <gtest/gtest.h>

#include <algorithm>

#include "dct_test_support.hpp"
#include "photon_dct/dct/decode.hpp"
#include "photon_dct/dct/device_key.hpp"
#include "photon_dct/dct/platform.hpp"
#include "photon_dct/dct/server_block.hpp"
#include "photon_dct/keys/key.hpp"

using namespace photon_dct;
using namespace photon_dct::dct;
using namespace dcttest;

namespace {

const Platform& photon() { return platform(PlatformId::Photon); }
const Platform& electron() { return platform(PlatformId::Electron); }

// A non-blank image: erased flash plus a device_id, so that it is neither all-FF nor all-zero.
Bytes base_image(std::size_t size = 16384) {
    Bytes img = erased_image(size);
    put(img, 3618, sample_device_id());
    return img;
}

// A healthy TCP device key (PKCS#1 at 34, §5.2 public key at 1250), so only the finding under test is an error.
void put_tcp_device_key(Bytes& img) {
    const Bytes n = device_rsa().rsa_modulus();
    put(img, 34, device_rsa().pkcs1_private_der());
    put(img, 1250, cat({rsa1024_spki_header(), n, rsa_e65537_suffix(), fill(222, 0x00)}));
}

// §9.3 / §9.5 address blocks (128 bytes).
Bytes domain_block(std::string_view name, Bytes port = hex("16 33")) {
    Bytes b = fill(128, 0xFF);
    b[0] = 0x01;
    b[1] = static_cast<std::uint8_t>(name.size());
    std::copy(name.begin(), name.end(), b.begin() + 2);
    std::copy(port.begin(), port.end(), b.begin() + 66);
    return b;
}

Bytes tcp_server_der() { return server_key_der_for_slot(Transport::Tcp, server_rsa2048()); }

const Finding* find(const DctReport& r, std::string_view code) {
    for (const auto& f : r.findings)
        if (f.code == code) return &f;
    return nullptr;
}

std::string codes(const DctReport& r) {
    std::string s;
    for (const auto& f : r.findings) s += f.code + " ";
    return s;
}

// §5.2: the 162-byte SPKI the firmware derives from an RSA-1024 key: header, N, 02 03 01 00 01.
Bytes reference_device_spki(const keys::Key& k) {
    const Bytes n = k.rsa_modulus();
    EXPECT_EQ(n.size(), 128u);
    return cat({rsa1024_spki_header(), n, rsa_e65537_suffix()});
}

// PKCS#8 PrivateKeyInfo wrapping a PKCS#1 key, built by hand (§5.1: 30 82 02 77 02 01 00 30 0d 06 09 2a 86 48 …).
Bytes pkcs8_of(const Bytes& pkcs1) {
    const Bytes alg = hex("02 01 00 30 0d 06 09 2a 86 48 86 f7 0d 01 01 01 05 00");
    Bytes octet = cat(
        {hex("04 82"),
         Bytes{static_cast<std::uint8_t>(pkcs1.size() >> 8), static_cast<std::uint8_t>(pkcs1.size() & 0xFF)}, pkcs1});
    const std::size_t content = alg.size() + octet.size();
    return cat({hex("30 82"), Bytes{static_cast<std::uint8_t>(content >> 8), static_cast<std::uint8_t>(content & 0xFF)},
                alg, octet});
}

} // namespace

// ======================================================================== server key
TEST(DecodeServerKey, Blank) {
    const DctReport r = decode_dct(photon(), base_image());
    EXPECT_EQ(r.tcp.server_key.state, KeyState::Blank);
    EXPECT_FALSE(r.tcp.server_key.firmware_usable);
    const Finding* f = find(r, "server-key-blank");
    ASSERT_NE(f, nullptr) << codes(r);
    EXPECT_EQ(f->severity, Severity::Error);
}

TEST(DecodeServerKey, AllZero) {
    Bytes img = base_image();
    put(img, 2082, fill(294, 0x00));
    const DctReport r = decode_dct(photon(), img);
    EXPECT_EQ(r.tcp.server_key.state, KeyState::Zero);
    EXPECT_FALSE(r.tcp.server_key.firmware_usable);
    EXPECT_NE(find(r, "server-key-invalid"), nullptr) << codes(r);
}

TEST(DecodeServerKey, ValidCustomRsa2048) {
    const Bytes der = tcp_server_der();
    Bytes img = base_image();
    put(img, 2082, der);
    const DctReport r = decode_dct(photon(), img);
    const ServerKeyInfo& k = r.tcp.server_key;
    EXPECT_EQ(k.state, KeyState::Valid);
    EXPECT_EQ(k.algorithm, "RSA-2048");
    EXPECT_EQ(k.der_length, 294u);
    EXPECT_EQ(k.fingerprint, keys::sha256_hex(der));
    EXPECT_EQ(k.fingerprint.size(), 64u);
    EXPECT_TRUE(k.firmware_usable);
    EXPECT_EQ(k.firmware_problem, "");
    EXPECT_FALSE(k.particle_production);
}

TEST(DecodeServerKey, Garbage) {
    Bytes img = base_image();
    put(img, 2082, hex("12 34 56 78 9a bc de f0"));
    DctReport r = decode_dct(photon(), img);
    EXPECT_EQ(r.tcp.server_key.state, KeyState::Garbage);
    EXPECT_FALSE(r.tcp.server_key.firmware_usable);
    EXPECT_NE(find(r, "server-key-invalid"), nullptr) << codes(r);

    // A SEQUENCE header whose body is not a key is garbage too.
    put(img, 2082, cat({hex("30 82 01 22"), fill(290, 0x11)}));
    r = decode_dct(photon(), img);
    EXPECT_EQ(r.tcp.server_key.state, KeyState::Garbage);
}

TEST(DecodeServerKey, Rsa1024ServerKeyIsValidButNotUsable) {
    // §4.1: the handshake reads N at offset 33 as 256 bytes; an RSA-1024 SPKI is unusable.
    const keys::Key k = keys::generate_rsa(1024);
    Bytes img = base_image();
    put(img, 2082, k.spki_der());
    const DctReport r = decode_dct(photon(), img);
    EXPECT_EQ(r.tcp.server_key.state, KeyState::Valid);
    EXPECT_EQ(r.tcp.server_key.algorithm, "RSA-1024");
    EXPECT_FALSE(r.tcp.server_key.firmware_usable);
    EXPECT_FALSE(r.tcp.server_key.firmware_problem.empty());
    EXPECT_NE(find(r, "server-key-unusable"), nullptr) << codes(r);
}

TEST(DecodeServerKey, ParticleProductionTcpKeyRecognised) {
    const Bytes der = pem_to_der(kParticleTcpPem);
    Bytes img = base_image();
    put(img, 2082, der);
    put(img, 2466, hex("01 0f 64 65 76 69 63 65 2e 73 70 61 72 6b 2e 69 6f 00")); // §4.3 rsa.pub.der address
    put_tcp_device_key(img);
    const DctReport r = decode_dct(photon(), img);
    EXPECT_EQ(r.tcp.server_key.state, KeyState::Valid);
    EXPECT_TRUE(r.tcp.server_key.particle_production);
    EXPECT_EQ(r.tcp.server_key.fingerprint, kParticleTcpSha256);
    EXPECT_TRUE(r.tcp.server_key.firmware_usable);
    EXPECT_EQ(r.tcp.address.host, "device.spark.io");
    for (const auto& t : r.tcp.targets) {
        EXPECT_EQ(t.host, "device.spark.io");
        EXPECT_EQ(t.port, 5683);
        EXPECT_TRUE(t.particle_cloud);
    }
    EXPECT_FALSE(r.has_errors()) << codes(r);
}

TEST(DecodeServerKey, ParticleProductionUdpKeyRecognised) {
    const Bytes der = pem_to_der(kParticleUdpPem);
    Bytes img = base_image();
    put(img, 3298, der);
    const DctReport r = decode_dct(electron(), img);
    ASSERT_TRUE(r.udp.has_value());
    EXPECT_EQ(r.udp->server_key.state, KeyState::Valid);
    EXPECT_EQ(r.udp->server_key.algorithm, "EC P-256");
    EXPECT_EQ(r.udp->server_key.der_length, 91u);
    EXPECT_EQ(r.udp->server_key.fingerprint, kParticleUdpSha256);
    EXPECT_TRUE(r.udp->server_key.particle_production);
    EXPECT_TRUE(r.udp->server_key.firmware_usable);
    // the TCP Particle key is not mistaken for the UDP one and vice versa
    EXPECT_EQ(r.tcp.server_key.state, KeyState::Blank);
}

// ======================================================================== address block
TEST(DecodeAddress, Ipv4) {
    const Bytes b = cat({hex("00 04 0a 00 00 05"), fill(60, 0xFF), hex("16 33"), fill(60, 0xFF)});
    const DecodedAddress a = decode_address(b);
    EXPECT_EQ(a.type_byte, 0x00);
    EXPECT_EQ(a.type, AddressType::Ipv4);
    EXPECT_EQ(a.length_byte, 4);
    EXPECT_EQ(a.host, "10.0.0.5");
    EXPECT_EQ(a.raw_port, 5683);
    EXPECT_FALSE(a.port_is_default);
    EXPECT_FALSE(a.ipv4_length_mismatch);
    EXPECT_FALSE(a.blank);
    EXPECT_EQ(a.strict_rule_broken, "");
}

TEST(DecodeAddress, Ipv4NetworkOrder) {
    // §3.3: a.b.c.d => a at byte 2.
    const Bytes b = cat({hex("00 04 c0 00 02 0a"), fill(122, 0xFF)});
    EXPECT_EQ(decode_address(b).host, "192.0.2.10");
}

TEST(DecodeAddress, Domain) {
    const DecodedAddress a = decode_address(domain_block("cloud.example.com"));
    EXPECT_EQ(a.type_byte, 0x01);
    EXPECT_EQ(a.type, AddressType::Domain);
    EXPECT_EQ(a.length_byte, 17);
    EXPECT_EQ(a.host, "cloud.example.com");
    EXPECT_EQ(a.raw_port, 5683);
    EXPECT_FALSE(a.domain_overlaps_port);
    EXPECT_FALSE(a.domain_has_unprintable);
    EXPECT_EQ(a.strict_rule_broken, "");
}

TEST(DecodeAddress, BlankIsInvalid) {
    const DecodedAddress a = decode_address(fill(128, 0xFF));
    EXPECT_EQ(a.type_byte, 0xFF);
    EXPECT_EQ(a.type, AddressType::Invalid);
    EXPECT_TRUE(a.blank);
    EXPECT_TRUE(a.port_is_default);
}

TEST(DecodeAddress, UnknownTypeIsInvalid) {
    Bytes b = domain_block("cloud.example.com");
    b[0] = 0x07;
    const DecodedAddress a = decode_address(b);
    EXPECT_EQ(a.type_byte, 0x07);
    EXPECT_EQ(a.type, AddressType::Invalid);
    EXPECT_FALSE(a.blank);
    EXPECT_TRUE(a.port_is_default); // the firmware reads the port only for a valid type
    EXPECT_EQ(a.host, "");
}

TEST(DecodeAddress, FirmwareWrittenIpv4WithLengthZero) {
    // §9.3: 00 00 0a 00 00 05 00x60 (6-65) 16 33 FFx60.
    const Bytes b = cat({hex("00 00 0a 00 00 05"), fill(60, 0x00), hex("16 33"), fill(60, 0xFF)});
    ASSERT_EQ(b.size(), 128u);
    const DecodedAddress a = decode_address(b);
    EXPECT_EQ(a.type, AddressType::Ipv4);
    EXPECT_EQ(a.host, "10.0.0.5");
    EXPECT_TRUE(a.ipv4_length_mismatch);
    EXPECT_EQ(a.raw_port, 5683);
    EXPECT_FALSE(a.strict_rule_broken.empty());

    // The firmware ignores the length for IPv4: it connects.
    Bytes img = base_image();
    put(img, 2082, tcp_server_der());
    put(img, 2466, b);
    put_tcp_device_key(img);
    const DctReport r = decode_dct(photon(), img);
    ASSERT_EQ(r.tcp.targets.size(), 5u);
    for (const auto& t : r.tcp.targets) {
        EXPECT_TRUE(t.connects);
        EXPECT_EQ(t.host, "10.0.0.5");
        EXPECT_EQ(t.port, 5683);
        EXPECT_FALSE(t.particle_cloud);
    }
    EXPECT_FALSE(r.has_errors()) << codes(r);
}

TEST(DecodeAddress, FirmwareWrittenDomainWithNulPadding) {
    // §9.3: 01 11 "cloud.example.com" 00x47 (19-65) 16 33 FFx60.
    const Bytes b = cat({hex("01 11"), ascii("cloud.example.com"), fill(47, 0x00), hex("16 33"), fill(60, 0xFF)});
    ASSERT_EQ(b.size(), 128u);
    const DecodedAddress a = decode_address(b);
    EXPECT_EQ(a.type, AddressType::Domain);
    EXPECT_EQ(a.host, "cloud.example.com");
    EXPECT_EQ(a.host.size(), 17u);
    EXPECT_FALSE(a.domain_has_unprintable);
    EXPECT_EQ(a.raw_port, 5683);
    EXPECT_EQ(a.strict_rule_broken, "");
}

TEST(DecodeAddress, FirmwareRestoredDefaultsWithNul) {
    // §9.3: TCP 01 0f "device.spark.io" 00 + FFx110; UDP 01 13 "$id.udp.particle.io" 00 + FFx106.
    const DecodedAddress t = decode_address(cat({hex("01 0f"), ascii("device.spark.io"), hex("00"), fill(110, 0xFF)}));
    EXPECT_EQ(t.host, "device.spark.io");
    EXPECT_TRUE(t.port_is_default);
    const DecodedAddress u =
        decode_address(cat({hex("01 13"), ascii("$id.udp.particle.io"), hex("00"), fill(106, 0xFF)}));
    EXPECT_EQ(u.host, "$id.udp.particle.io");
}

TEST(DecodeAddress, ParticleCliRemnantsAfterShortTlv) {
    // §9.2 with the shipped rsa.pub.der: bytes 390-401 keep "ce.spark.io\0".
    const Bytes ip = cat(
        {hex("00 04 0a 00 00 05 63 65 2e 73 70 61 72 6b 2e 69 6f 00"), fill(48, 0xFF), hex("16 33"), fill(60, 0xFF)});
    ASSERT_EQ(ip.size(), 128u);
    const DecodedAddress a = decode_address(ip);
    EXPECT_EQ(a.host, "10.0.0.5");
    EXPECT_FALSE(a.ipv4_length_mismatch);
    EXPECT_EQ(a.raw_port, 5683);

    // §9.4: domain, then "io" remnant of $id.udp.particle.io at 19-20; host is exactly len bytes.
    const Bytes d =
        cat({hex("01 11"), ascii("cloud.example.com"), hex("69 6f"), fill(45, 0xFF), hex("16 34"), fill(60, 0xFF)});
    ASSERT_EQ(d.size(), 128u);
    const DecodedAddress b = decode_address(d);
    EXPECT_EQ(b.host, "cloud.example.com");
    EXPECT_EQ(b.raw_port, 5684);

    // A short domain over the shipped "device.spark.io\0": "a.io" leaves "e.spark.io\0" behind.
    const Bytes s = cat({hex("01 04"), ascii("a.io"), ascii("e.spark.io"), hex("00"), fill(111, 0xFF)});
    ASSERT_EQ(s.size(), 128u);
    EXPECT_EQ(decode_address(s).host, "a.io");
}

TEST(DecodeAddress, DomainRunningIntoPortIsDecodedLeniently) {
    // §3.3: Gen 2 accepts length <= 126; a 70-byte name covers the port bytes 66/67.
    Bytes b = fill(128, 0xFF);
    b[0] = 0x01;
    b[1] = 70;
    for (std::size_t i = 0; i < 70; ++i) b[2 + i] = static_cast<std::uint8_t>('a' + i % 26);
    const DecodedAddress a = decode_address(b);
    EXPECT_EQ(a.type, AddressType::Domain);
    EXPECT_EQ(a.host.size(), 70u);
    EXPECT_EQ(a.host, std::string(reinterpret_cast<const char*>(b.data() + 2), 70));
    EXPECT_TRUE(a.domain_overlaps_port);
    EXPECT_EQ(a.raw_port, (b[66] << 8) | b[67]);
    EXPECT_FALSE(a.strict_rule_broken.empty());

    Bytes img = base_image();
    put(img, 2082, tcp_server_der());
    put(img, 2466, b);
    const DctReport r = decode_dct(photon(), img);
    EXPECT_NE(find(r, "server-address-overlaps-port"), nullptr) << codes(r);
}

TEST(DecodeAddress, DomainLength126AcceptedLength127Invalid) {
    Bytes b = fill(128, 'x');
    b[0] = 0x01;
    b[1] = 126;
    EXPECT_EQ(decode_address(b).type, AddressType::Domain);
    EXPECT_EQ(decode_address(b).host.size(), 126u);
    b[1] = 127;
    const DecodedAddress a = decode_address(b);
    EXPECT_EQ(a.type, AddressType::Invalid);
    EXPECT_EQ(a.length_byte, 127);
    b[1] = 0xFF;
    EXPECT_EQ(decode_address(b).type, AddressType::Invalid);
}

TEST(DecodeAddress, Ports) {
    EXPECT_EQ(decode_address(domain_block("a.example", hex("17 70"))).raw_port, 6000);
    EXPECT_FALSE(decode_address(domain_block("a.example", hex("17 70"))).port_is_default);
    const DecodedAddress zero = decode_address(domain_block("a.example", hex("00 00")));
    EXPECT_EQ(zero.raw_port, 0);
    EXPECT_TRUE(zero.port_is_default);
    const DecodedAddress ff = decode_address(domain_block("a.example", hex("ff ff")));
    EXPECT_EQ(ff.raw_port, 0xFFFF);
    EXPECT_TRUE(ff.port_is_default);
    // big-endian (§3.3): 16 33 = 5683, not 0x3316
    EXPECT_EQ(decode_address(domain_block("a.example", hex("16 33"))).raw_port, 5683);

    // default port in the connection target: TCP 5683
    for (Bytes port : {hex("00 00"), hex("ff ff")}) {
        Bytes img = base_image();
        put(img, 2082, tcp_server_der());
        put(img, 2466, domain_block("cloud.example.com", port));
        const DctReport r = decode_dct(photon(), img);
        for (const auto& t : r.tcp.targets) EXPECT_EQ(t.port, 5683);
    }
}

TEST(DecodeAddress, ShortInputIsInvalidNotACrash) {
    const Bytes b = hex("01 03 61 62 63");
    EXPECT_EQ(decode_address(b).type, AddressType::Invalid);
    EXPECT_EQ(decode_address(ByteView{}).type, AddressType::Invalid);
}

// ======================================================================== Device OS ranges
TEST(OsVersion, ParsesTheThreeRanges) {
    EXPECT_EQ(parse_os_version("0.6.3", "--device-os"), OsRange::UpTo06x);
    EXPECT_EQ(parse_os_version("0.4.9", "--device-os"), OsRange::UpTo06x);
    EXPECT_EQ(parse_os_version("0.7.0", "--device-os"), OsRange::From070To10x);
    EXPECT_EQ(parse_os_version("0.8.0-rc.14", "--device-os"), OsRange::From070To10x);
    EXPECT_EQ(parse_os_version("1.0.1", "--device-os"), OsRange::From070To10x);
    EXPECT_EQ(parse_os_version("1.1.0", "--device-os"), OsRange::From110To15x);
    EXPECT_EQ(parse_os_version("1.5.2", "--device-os"), OsRange::From110To15x);
    EXPECT_EQ(parse_os_version("2.3.1", "--device-os"), OsRange::From2x);
    EXPECT_EQ(parse_os_version("3.3.1", "--device-os"), OsRange::From3x);
    EXPECT_EQ(os_range_name(OsRange::UpTo06x), "0.6.x and earlier");
    EXPECT_EQ(os_range_name(OsRange::From070To10x), "0.7.0 to 1.0.x");
    EXPECT_EQ(os_range_name(OsRange::From110To15x), "1.1.0 to 1.5.x");
    EXPECT_EQ(os_range_name(OsRange::From2x), "2.x");
    EXPECT_EQ(os_range_name(OsRange::From3x), "3.x");
}

TEST(OsVersion, RefusesNonVersions) {
    for (const char* bad : {"", "abc", "1", "v1.1.0", ".1", "1."}) {
        SCOPED_TRACE(bad);
        expect_invalid_input([&] { (void)parse_os_version(bad, "--device-os"); }, {"version"});
    }
}

TEST(ConnectionTarget, TcpBlankAddressGoesToDeviceSparkIoOnEveryVersion) {
    Bytes img = base_image();
    put(img, 2082, tcp_server_der());
    for (const char* v : {"0.6.3", "0.7.0", "1.0.1", "1.1.0", "2.3.1"}) {
        SCOPED_TRACE(v);
        DecodeOptions o;
        o.os_range = parse_os_version(v, "--device-os");
        const DctReport r = decode_dct(photon(), img, o);
        ASSERT_EQ(r.tcp.targets.size(), 1u);
        const ConnectionTarget& t = r.tcp.targets[0];
        EXPECT_EQ(t.os_range, *o.os_range);
        EXPECT_TRUE(t.connects);
        EXPECT_EQ(t.host, "device.spark.io");
        EXPECT_EQ(t.port, 5683);
        EXPECT_TRUE(t.particle_cloud);
        EXPECT_FALSE(t.reason.empty());
    }
    // without os_range: one target per range, in order
    const DctReport all = decode_dct(photon(), img);
    ASSERT_EQ(all.tcp.targets.size(), 5u);
    EXPECT_EQ(all.tcp.targets[0].os_range, OsRange::UpTo06x);
    EXPECT_EQ(all.tcp.targets[1].os_range, OsRange::From070To10x);
    EXPECT_EQ(all.tcp.targets[2].os_range, OsRange::From110To15x);
    EXPECT_EQ(all.tcp.targets[3].os_range, OsRange::From2x);
    EXPECT_EQ(all.tcp.targets[4].os_range, OsRange::From3x);
}

TEST(ConnectionTarget, UdpBlankAddressPerVersion) {
    Bytes img = base_image(); // cloud_transport 0xFF => UDP on an Electron
    put(img, 3298, server_key_der_for_slot(Transport::Udp, server_ec()));
    const std::string expanded = std::string(kSampleDeviceIdHex) + ".udp.particle.io";
    {
        DecodeOptions o;
        o.os_range = parse_os_version("0.6.3", "--device-os");
        const DctReport r = decode_dct(electron(), img, o);
        ASSERT_EQ(r.active_transport, Transport::Udp);
        ASSERT_EQ(r.udp->targets.size(), 1u);
        EXPECT_FALSE(r.udp->targets[0].connects);
        EXPECT_FALSE(r.udp->targets[0].particle_cloud);
    }
    for (const char* v : {"0.7.0", "1.0.1", "1.1.0"}) {
        SCOPED_TRACE(v);
        DecodeOptions o;
        o.os_range = parse_os_version(v, "--device-os");
        const DctReport r = decode_dct(electron(), img, o);
        ASSERT_EQ(r.udp->targets.size(), 1u);
        const ConnectionTarget& t = r.udp->targets[0];
        EXPECT_TRUE(t.connects);
        EXPECT_EQ(t.host, expanded);
        EXPECT_EQ(t.port, 5684);
        EXPECT_TRUE(t.particle_cloud);
    }
}

TEST(ConnectionTarget, UdpBlankAddressOnDeviceOs2ExpandsIdWithMajorVersion) {
    // §3.5: "from 2.0.0 (271a0929…) $id ⇒ <deviceid>.v<major> (e.g. ….v2)" — so a 2.3.1 Electron with a
    // blank UDP address connects to <deviceid>.v2.udp.particle.io, not <deviceid>.udp.particle.io.
    Bytes img = base_image();
    put(img, 3298, server_key_der_for_slot(Transport::Udp, server_ec()));
    DecodeOptions o;
    o.os_range = parse_os_version("2.3.1", "--device-os");
    const DctReport r = decode_dct(electron(), img, o);
    ASSERT_EQ(r.udp->targets.size(), 1u);
    const ConnectionTarget& t = r.udp->targets[0];
    EXPECT_TRUE(t.connects);
    EXPECT_EQ(t.host, std::string(kSampleDeviceIdHex) + ".v2.udp.particle.io");
    EXPECT_EQ(t.port, 5684);
}

TEST(ConnectionTarget, TcpInvalidTypeGoesToDeviceSparkIoOnEveryVersion) {
    Bytes img = base_image();
    put(img, 2082, tcp_server_der());
    Bytes b = domain_block("cloud.example.com", hex("17 70"));
    b[0] = 0x07;
    put(img, 2466, b);
    const DctReport r = decode_dct(photon(), img);
    ASSERT_EQ(r.tcp.targets.size(), 5u);
    for (const auto& t : r.tcp.targets) {
        EXPECT_TRUE(t.connects);
        EXPECT_EQ(t.host, "device.spark.io");
        EXPECT_EQ(t.port, 5683); // the port is read only for a valid type (§3.3)
    }
    const Finding* f = find(r, "server-address-invalid");
    ASSERT_NE(f, nullptr) << codes(r);
    EXPECT_EQ(f->severity, Severity::Error);
}

TEST(ConnectionTarget, UdpInvalidNonBlankTypeFrom110IsRestoredInRam) {
    // §3.5, 1.1.0+: the test is "!= IP_ADDRESS && != DOMAIN_NAME", so 0x07 is replaced by the backup.
    Bytes img = base_image();
    put(img, 3298, server_key_der_for_slot(Transport::Udp, server_ec()));
    Bytes b = domain_block("cloud.example.com");
    b[0] = 0x07;
    put(img, 3490, b);
    DecodeOptions o;
    o.os_range = parse_os_version("1.1.0", "--device-os");
    const DctReport r = decode_dct(electron(), img, o);
    ASSERT_EQ(r.udp->targets.size(), 1u);
    EXPECT_TRUE(r.udp->targets[0].connects);
    EXPECT_EQ(r.udp->targets[0].host, std::string(kSampleDeviceIdHex) + ".udp.particle.io");
    EXPECT_EQ(r.udp->targets[0].port, 5684);
}

TEST(ConnectionTarget, UdpInvalidNonBlankTypeOn070To10xDoesNotConnect) {
    // §3.5: 0.7.0 - 1.0.1 restore the backup address only "if addr_type == 0xFF" (1.1.0 widened the
    // test to "!= IP_ADDRESS && != DOMAIN_NAME"). Any other invalid type reaches the old switch, whose
    // default case sets ip_address_error for UDP (the ≤0.6.x row) => no cloud connection.
    Bytes img = base_image();
    put(img, 3298, server_key_der_for_slot(Transport::Udp, server_ec()));
    Bytes b = domain_block("cloud.example.com");
    b[0] = 0x07;
    put(img, 3490, b);
    for (const char* v : {"0.7.0", "1.0.1"}) {
        SCOPED_TRACE(v);
        DecodeOptions o;
        o.os_range = parse_os_version(v, "--device-os");
        const DctReport r = decode_dct(electron(), img, o);
        ASSERT_EQ(r.udp->targets.size(), 1u);
        EXPECT_FALSE(r.udp->targets[0].connects) << r.udp->targets[0].host << ": " << r.udp->targets[0].reason;
    }
}

TEST(ConnectionTarget, DeviceIdIsExpandedLowerCase) {
    Bytes img = base_image();
    put(img, 3618, hex("AB CD EF 00 11 22 33 44 55 66 77 88"));
    DecodeOptions o;
    o.os_range = OsRange::From070To10x;
    const DctReport r = decode_dct(electron(), img, o);
    ASSERT_EQ(r.fields.device_id, std::optional<std::string>("abcdef001122334455667788"));
    EXPECT_EQ(r.udp->targets[0].host, "abcdef001122334455667788.udp.particle.io");
}

TEST(ConnectionTarget, UdpExplicitPortHonouredUpTo10xIgnoredFrom110) {
    Bytes img = base_image();
    put(img, 3298, server_key_der_for_slot(Transport::Udp, server_ec()));
    put(img, 3490, domain_block("cloud.example.com", hex("17 70"))); // port 6000 at 3556
    for (const char* v : {"0.6.3", "0.7.0", "1.0.1"}) {
        SCOPED_TRACE(v);
        DecodeOptions o;
        o.os_range = parse_os_version(v, "--device-os");
        const DctReport r = decode_dct(electron(), img, o);
        ASSERT_EQ(r.udp->targets.size(), 1u);
        EXPECT_TRUE(r.udp->targets[0].connects);
        EXPECT_EQ(r.udp->targets[0].host, "cloud.example.com");
        EXPECT_EQ(r.udp->targets[0].port, 6000);
        EXPECT_EQ(find(r, "udp-port-ignored"), nullptr) << codes(r);
    }
    for (const char* v : {"1.1.0", "2.3.1"}) {
        SCOPED_TRACE(v);
        DecodeOptions o;
        o.os_range = parse_os_version(v, "--device-os");
        const DctReport r = decode_dct(electron(), img, o);
        ASSERT_EQ(r.udp->targets.size(), 1u);
        EXPECT_EQ(r.udp->targets[0].host, "cloud.example.com");
        EXPECT_EQ(r.udp->targets[0].port, 5684);
        const Finding* f = find(r, "udp-port-ignored");
        ASSERT_NE(f, nullptr) << codes(r);
        EXPECT_EQ(f->severity, Severity::Warning);
        EXPECT_NE(f->message.find("6000"), std::string::npos) << f->message;
    }
}

TEST(ConnectionTarget, TcpExplicitPortHonouredEverywhere) {
    Bytes img = base_image();
    put(img, 2082, tcp_server_der());
    put(img, 2466, domain_block("cloud.example.com", hex("17 70")));
    const DctReport r = decode_dct(photon(), img);
    ASSERT_EQ(r.tcp.targets.size(), 5u);
    for (const auto& t : r.tcp.targets) EXPECT_EQ(t.port, 6000);
    EXPECT_EQ(find(r, "udp-port-ignored"), nullptr);
}

// ======================================================================== device keys
TEST(DecodeDeviceKey, Blank) {
    const DctReport r = decode_dct(photon(), base_image());
    EXPECT_EQ(r.tcp.device_key.state, KeyState::Blank);
    EXPECT_EQ(r.tcp.device_key.public_key, PublicKeyState::Blank);
    EXPECT_NE(find(r, "device-key-blank"), nullptr) << codes(r);
}

TEST(DecodeDeviceKey, Garbage) {
    Bytes img = base_image();
    put(img, 34, hex("de ad be ef 01 02 03 04"));
    const DctReport r = decode_dct(photon(), img);
    EXPECT_EQ(r.tcp.device_key.state, KeyState::Garbage);
    EXPECT_FALSE(r.tcp.device_key.problem.empty());
    EXPECT_EQ(r.tcp.device_key.problem.find("PKCS#8"), std::string::npos);
    EXPECT_NE(find(r, "device-key-invalid"), nullptr) << codes(r);
}

TEST(DecodeDeviceKey, AllZero) {
    Bytes img = base_image();
    put(img, 34, fill(612, 0x00));
    EXPECT_EQ(decode_dct(photon(), img).tcp.device_key.state, KeyState::Zero);
}

TEST(DecodeDeviceKey, ValidRsa1024Pkcs1) {
    const keys::Key& k = device_rsa();
    const Bytes pkcs1 = k.pkcs1_private_der();
    ASSERT_TRUE(firmware_layout_ok_by_reference(pkcs1));
    Bytes img = base_image();
    put(img, 34, cat({pkcs1, fill(612 - pkcs1.size(), 0xFF)}));
    const DctReport r = decode_dct(photon(), img);
    const DeviceKeyInfo& d = r.tcp.device_key;
    EXPECT_EQ(d.state, KeyState::Valid);
    EXPECT_EQ(d.algorithm, "RSA-1024");
    EXPECT_EQ(d.der_length, pkcs1.size());
    EXPECT_TRUE(d.firmware_parser_ok);
    EXPECT_EQ(d.problem, "");
    EXPECT_EQ(d.public_fingerprint, keys::sha256_hex(reference_device_spki(k)));
    EXPECT_EQ(d.public_key, PublicKeyState::Blank);
    EXPECT_EQ(find(r, "device-key-blank"), nullptr);
    EXPECT_EQ(find(r, "device-key-invalid"), nullptr);
}

TEST(DecodeDeviceKey, Pkcs8IsGarbageWithPkcs8Problem) {
    const Bytes pkcs8 = pkcs8_of(device_rsa().pkcs1_private_der());
    ASSERT_EQ(slice(pkcs8, 0, 2), hex("30 82"));
    ASSERT_EQ(slice(pkcs8, 4, 11), hex("02 01 00 30 0d 06 09 2a 86 48 86"));
    EXPECT_TRUE(looks_like_pkcs8(pkcs8));
    EXPECT_FALSE(looks_like_pkcs8(device_rsa().pkcs1_private_der()));
    Bytes img = base_image();
    put(img, 34, pkcs8);
    const DctReport r = decode_dct(photon(), img);
    EXPECT_EQ(r.tcp.device_key.state, KeyState::Garbage);
    EXPECT_NE(r.tcp.device_key.problem.find("PKCS#8"), std::string::npos) << r.tcp.device_key.problem;
    const Finding* f = find(r, "device-key-invalid");
    ASSERT_NE(f, nullptr) << codes(r);
    EXPECT_NE(f->message.find("PKCS#8"), std::string::npos) << f->message;
}

TEST(DecodeDeviceKey, ShortPrivateValueIsValidButNotFirmwareReadable) {
    // §5.1 UNCERTAIN edge: ~1/256 per value. Look for one (bounded).
    std::optional<keys::Key> odd;
    Bytes pkcs1;
    for (int i = 0; i < 3000 && !odd; ++i) {
        keys::Key k = keys::generate_rsa(1024);
        Bytes der = k.pkcs1_private_der();
        if (keys::firmware_rsa_layout_problem(der)) {
            odd = k;
            pkcs1 = der;
        }
    }
    if (!odd) GTEST_SKIP() << "no RSA-1024 key with a short value in 3000 tries";
    // The library's verdict agrees with a test-side reading of §5.1.
    EXPECT_FALSE(firmware_layout_ok_by_reference(pkcs1));
    Bytes img = base_image();
    put(img, 34, pkcs1);
    const DctReport r = decode_dct(photon(), img);
    EXPECT_EQ(r.tcp.device_key.state, KeyState::Valid);
    EXPECT_FALSE(r.tcp.device_key.firmware_parser_ok);
    EXPECT_FALSE(r.tcp.device_key.problem.empty());
    EXPECT_NE(find(r, "device-key-unreadable-by-firmware"), nullptr) << codes(r);
    // and the encoder refuses it
    expect_invalid_input([&] { (void)encode_device_key_slots(photon().tcp, *odd); }, {"fixed-position"});
}

TEST(DecodeDeviceKey, GeneratedKeysAgreeWithReferenceLayoutCheck) {
    for (int i = 0; i < 20; ++i) {
        const keys::Key k = keys::generate_rsa(1024);
        const Bytes der = k.pkcs1_private_der();
        EXPECT_EQ(!keys::firmware_rsa_layout_problem(der).has_value(), firmware_layout_ok_by_reference(der));
    }
}

TEST(DecodeDeviceKey, TcpPublicKeyMatchesMismatchesBlank) {
    const keys::Key& k = device_rsa();
    Bytes img = base_image();
    put(img, 34, k.pkcs1_private_der());
    // §5.2 steady state: 162-byte DER + 222 zeros.
    const Bytes spki = reference_device_spki(k);
    ASSERT_EQ(spki.size(), 162u);
    put(img, 1250, cat({spki, fill(222, 0x00)}));
    DctReport r = decode_dct(photon(), img);
    EXPECT_EQ(r.tcp.device_key.public_key, PublicKeyState::Matches);
    EXPECT_EQ(find(r, "device-public-key-mismatch"), nullptr) << codes(r);

    const keys::Key other = keys::generate_device_rsa_key();
    put(img, 1250, cat({reference_device_spki(other), fill(222, 0x00)}));
    r = decode_dct(photon(), img);
    EXPECT_EQ(r.tcp.device_key.public_key, PublicKeyState::Mismatch);
    EXPECT_NE(find(r, "device-public-key-mismatch"), nullptr) << codes(r);

    put(img, 1250, fill(384, 0xFF));
    r = decode_dct(photon(), img);
    EXPECT_EQ(r.tcp.device_key.public_key, PublicKeyState::Blank);

    put(img, 1250, cat({hex("30 81 9f 00 00"), fill(379, 0x00)}));
    r = decode_dct(photon(), img);
    EXPECT_EQ(r.tcp.device_key.public_key, PublicKeyState::Garbage);
}

TEST(DecodeDeviceKey, TcpPublicKeyWithoutPrivateKey) {
    Bytes img = base_image();
    put(img, 1250, cat({reference_device_spki(device_rsa()), fill(222, 0x00)}));
    EXPECT_EQ(decode_dct(photon(), img).tcp.device_key.public_key, PublicKeyState::NoPrivateKey);
}

TEST(DecodeDeviceKey, UdpSec1AndPublicKeyLeftAndRightAligned) {
    const keys::Key& k = device_ec();
    const Bytes sec1 = k.sec1_private_der();
    ASSERT_EQ(sec1.size(), 121u);
    ASSERT_EQ(slice(sec1, 0, 2), hex("30 77")); // 2 + 0x77 = 121
    const Bytes spki = k.spki_der();
    ASSERT_EQ(spki.size(), 91u);
    ASSERT_EQ(slice(spki, 0, 27), p256_spki_prefix());

    Bytes img = base_image();
    put(img, 3106, sec1); // rest of the 192 bytes stays FF
    // left-aligned: 30 59 at byte 0 of 2978, then FF
    put(img, 2978, cat({spki, fill(37, 0xFF)}));
    DctReport r = decode_dct(electron(), img);
    ASSERT_TRUE(r.udp.has_value());
    EXPECT_EQ(r.active_transport, Transport::Udp);
    EXPECT_EQ(r.udp->device_key.state, KeyState::Valid);
    EXPECT_EQ(r.udp->device_key.algorithm, "EC P-256");
    EXPECT_EQ(r.udp->device_key.der_length, 121u);
    EXPECT_TRUE(r.udp->device_key.firmware_parser_ok);
    EXPECT_EQ(r.udp->device_key.public_key, PublicKeyState::Matches);
    EXPECT_EQ(r.udp->device_key.public_key_alignment, "left");

    // left-aligned followed by zeros
    put(img, 2978, cat({spki, fill(37, 0x00)}));
    r = decode_dct(electron(), img);
    EXPECT_EQ(r.udp->device_key.public_key, PublicKeyState::Matches);
    EXPECT_EQ(r.udp->device_key.public_key_alignment, "left");

    // right-aligned (0.8.0-rc.2+): 37 zeros then the 91-byte DER
    put(img, 2978, cat({fill(37, 0x00), spki}));
    r = decode_dct(electron(), img);
    EXPECT_EQ(r.udp->device_key.public_key, PublicKeyState::Matches);
    EXPECT_EQ(r.udp->device_key.public_key_alignment, "right");
    EXPECT_EQ(find(r, "device-public-key-mismatch"), nullptr) << codes(r);

    // stale tail bytes after the SEC1 DER (§5.3: gen_ec_key does not clear the tail)
    put(img, 3106 + 121, slice(sec1, 0, 71));
    r = decode_dct(electron(), img);
    EXPECT_EQ(r.udp->device_key.state, KeyState::Valid);

    // another key's public key: mismatch
    put(img, 2978, cat({fill(37, 0x00), keys::generate_ec_p256().spki_der()}));
    r = decode_dct(electron(), img);
    EXPECT_EQ(r.udp->device_key.public_key, PublicKeyState::Mismatch);
}

// ======================================================================== other fields
TEST(DecodeFields, CloudTransportZeroOnElectronMeansTcp) {
    Bytes img = base_image();
    put(img, 2977, hex("00"));
    DctReport r = decode_dct(electron(), img);
    EXPECT_EQ(r.active_transport, Transport::Tcp);
    EXPECT_TRUE(r.tcp.used);
    ASSERT_TRUE(r.udp.has_value());
    EXPECT_FALSE(r.udp->used);
    EXPECT_EQ(r.fields.cloud_transport_byte, std::optional<std::uint8_t>(0x00));

    put(img, 2977, hex("ff"));
    r = decode_dct(electron(), img);
    EXPECT_EQ(r.active_transport, Transport::Udp);
    EXPECT_FALSE(r.tcp.used);
    EXPECT_TRUE(r.udp->used);

    // anything else => TCP, reported as non-standard
    put(img, 2977, hex("01"));
    r = decode_dct(electron(), img);
    EXPECT_EQ(r.active_transport, Transport::Tcp);
    EXPECT_NE(find(r, "cloud-transport-nonstandard"), nullptr) << codes(r);

    // Photon ignores cloud_transport (TCP only), and has no UDP slot in the report
    put(img, 2977, hex("ff"));
    r = decode_dct(photon(), img);
    EXPECT_EQ(r.active_transport, Transport::Tcp);
    EXPECT_FALSE(r.udp.has_value());
}

TEST(DecodeFields, DeviceIdClaimCodeClaimedProduct) {
    Bytes img = base_image();
    const std::string claim = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ0"; // 63, no NUL
    ASSERT_EQ(claim.size(), 63u);
    put(img, 1762, ascii(claim));
    put(img, 1825, hex("31"));          // '1'
    put(img, 2952, hex("34 12 07 00")); // product id 0x1234, version 7, little-endian
    const DctReport r = decode_dct(photon(), img);
    EXPECT_EQ(r.fields.device_id, std::optional<std::string>(std::string(kSampleDeviceIdHex)));
    EXPECT_EQ(r.fields.claim_code, std::optional<std::string>(claim));
    EXPECT_TRUE(r.fields.claimed);
    EXPECT_EQ(r.fields.product_id, std::optional<std::uint16_t>(0x1234));
    EXPECT_EQ(r.fields.product_version, std::optional<std::uint16_t>(7));
}

TEST(DecodeFields, BlankAndClearedValues) {
    Bytes img = erased_image();
    put(img, 1762, hex("00")); // claim code cleared by one NUL
    put(img, 1825, hex("01")); // only ASCII '1' means claimed
    const DctReport r = decode_dct(photon(), img);
    EXPECT_FALSE(r.fields.device_id.has_value());
    EXPECT_FALSE(r.fields.claim_code.has_value());
    EXPECT_FALSE(r.fields.claimed);
    EXPECT_FALSE(r.fields.product_id.has_value());
    EXPECT_FALSE(r.fields.product_version.has_value());
    EXPECT_NE(find(r, "device-id-blank"), nullptr) << codes(r);

    Bytes short_claim = erased_image();
    put(short_claim, 1762, ascii("ABC123"));
    EXPECT_EQ(decode_dct(photon(), short_claim).fields.claim_code, std::optional<std::string>("ABC123"));
}

TEST(DecodeFields, FieldBytes) {
    Bytes img = base_image();
    const auto id = field_bytes(photon(), img, "device_id");
    ASSERT_TRUE(id.has_value());
    EXPECT_EQ(Bytes(id->begin(), id->end()), sample_device_id());
    EXPECT_EQ(id->data(), img.data() + 3618);
    const auto addr = field_bytes(photon(), img, "server_address");
    ASSERT_TRUE(addr.has_value());
    EXPECT_EQ(addr->data(), img.data() + 2466);
    EXPECT_EQ(addr->size(), 128u);
}

// ======================================================================== image lengths
TEST(ImageLength, V060SizeAccepted) {
    Bytes img = base_image(4258);
    const DctReport r = decode_dct(electron(), img);
    EXPECT_EQ(r.image_size, 4258u);
    EXPECT_FALSE(field_bytes(electron(), img, "eap_config").has_value());
    EXPECT_FALSE(field_bytes(electron(), img, "device_secret").has_value());
    EXPECT_TRUE(field_bytes(electron(), img, "alt_server_address").has_value()); // 3490+128 < 4258
    EXPECT_TRUE(field_bytes(electron(), img, "led_theme").has_value());          // ends at 3823
    ASSERT_TRUE(r.udp.has_value());
    EXPECT_TRUE(r.udp->address_present);
    EXPECT_TRUE(r.tcp.address_present);
    EXPECT_EQ(r.fields.device_id, std::optional<std::string>(std::string(kSampleDeviceIdHex)));
    EXPECT_EQ(r.udp->device_key.state, KeyState::Blank);
}

TEST(ImageLength, OtherSizesAccepted) {
    for (std::size_t n : {std::size_t{8391}, std::size_t{16384}})
        EXPECT_EQ(decode_dct(photon(), base_image(n)).image_size, n);
}

TEST(ImageLength, TooShortRefused) {
    const Bytes img = erased_image(4257);
    expect_invalid_input([&] { (void)decode_dct(photon(), img); }, {"4257"});
}

TEST(ImageLength, TooLongRefused) {
    const Bytes img = erased_image(16385);
    expect_invalid_input([&] { (void)decode_dct(photon(), img); }, {"16385"});
}

TEST(ImageLength, EmptyRefused) {
    expect_invalid_input([&] { (void)decode_dct(photon(), ByteView{}); }, {});
}

TEST(WholeImage, AllZeroIsUnreadable) {
    const Bytes img(16384, 0x00);
    for (PlatformId id : {PlatformId::Photon, PlatformId::P1, PlatformId::Electron}) {
        const DctReport r = decode_dct(platform(id), img);
        EXPECT_TRUE(r.all_zero);
        ASSERT_EQ(r.findings.size(), 1u) << codes(r);
        EXPECT_EQ(r.findings[0].code, "dct-unreadable");
        EXPECT_EQ(r.findings[0].severity, Severity::Error);
        EXPECT_TRUE(r.has_errors());
    }
}

TEST(WholeImage, AllFFIsErased) {
    const Bytes img = erased_image();
    for (PlatformId id : {PlatformId::Photon, PlatformId::P1, PlatformId::Electron}) {
        const DctReport r = decode_dct(platform(id), img);
        EXPECT_TRUE(r.all_erased);
        ASSERT_EQ(r.findings.size(), 1u) << codes(r);
        EXPECT_EQ(r.findings[0].code, "dct-erased");
        EXPECT_EQ(r.findings[0].severity, Severity::Error);
    }
}

// ======================================================================== the field failure
TEST(FieldFailure, CustomKeyWithBlankTcpAddressOn063) {
    Bytes img = base_image();
    put(img, 2082, tcp_server_der()); // valid custom RSA-2048 server key, address block 2466..2593 all FF
    put(img, 34, device_rsa().pkcs1_private_der());
    ASSERT_EQ(slice(img, 2466, 128), fill(128, 0xFF));
    DecodeOptions o;
    o.os_range = parse_os_version("0.6.3", "--device-os");
    o.fix_target = {{"file", "unit.dct", false}};
    const DctReport r = decode_dct(photon(), img, o);
    EXPECT_EQ(r.tcp.server_key.state, KeyState::Valid);
    EXPECT_TRUE(r.tcp.address.blank);
    const Finding* f = find(r, "server-address-blank");
    ASSERT_NE(f, nullptr) << codes(r);
    EXPECT_EQ(f->severity, Severity::Error);
    EXPECT_NE(
        f->message.find("server address blank: this device will connect to device.spark.io:5683 (Particle's cloud), "
                        "not your server"),
        std::string::npos)
        << f->message;
    // The fix as data: restore-server with the two placeholders, then the target's selection.
    ASSERT_TRUE(f->fix.has_value());
    EXPECT_EQ(f->fix->command, "restore-server");
    ASSERT_EQ(f->fix->arguments.size(), 3u);
    EXPECT_EQ(f->fix->arguments[0].option, "pem");
    EXPECT_EQ(f->fix->arguments[0].value, kServerKeyPlaceholder);
    EXPECT_TRUE(f->fix->arguments[0].placeholder);
    EXPECT_EQ(f->fix->arguments[1].option, "host");
    EXPECT_EQ(f->fix->arguments[1].value, kServerHostPlaceholder);
    EXPECT_TRUE(f->fix->arguments[1].placeholder);
    EXPECT_EQ(f->fix->arguments[2].option, "file");
    EXPECT_EQ(f->fix->arguments[2].value, "unit.dct");
    EXPECT_FALSE(f->fix->arguments[2].placeholder);
    EXPECT_TRUE(r.has_errors());
}
