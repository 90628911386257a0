// decode_address / decode_dct against docs/dct-format.md 2, 3.3-3.4, 7.5 and 9: server key, address,
// fields and whole images. Images are 16384-byte 0xFF buffers with bytes placed from the document.
#include <gtest/gtest.h>

#include "decode_test_support.hpp"

using namespace photon_dct;
using namespace photon_dct::dct;
using namespace dcttest;

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
TEST(DecodeFields, CloudTransportZeroOnElectronMeansTcp) {
    Bytes img = base_image();
    put(img, 2977, hex("00"));
    DctReport r = decode_dct(electron(), img);
    EXPECT_EQ(r.active_slot, Slot::Tcp);
    EXPECT_TRUE(r.tcp.used);
    ASSERT_TRUE(r.udp.has_value());
    EXPECT_FALSE(r.udp->used);
    EXPECT_EQ(r.fields.cloud_transport_byte, std::optional<std::uint8_t>(0x00));

    put(img, 2977, hex("ff"));
    r = decode_dct(electron(), img);
    EXPECT_EQ(r.active_slot, Slot::Udp);
    EXPECT_FALSE(r.tcp.used);
    EXPECT_TRUE(r.udp->used);

    // anything else => TCP, reported as non-standard
    put(img, 2977, hex("01"));
    r = decode_dct(electron(), img);
    EXPECT_EQ(r.active_slot, Slot::Tcp);
    EXPECT_NE(find(r, "cloud-transport-nonstandard"), nullptr) << codes(r);

    // Photon ignores cloud_transport (TCP only), and has no UDP slot in the report
    put(img, 2977, hex("ff"));
    r = decode_dct(photon(), img);
    EXPECT_EQ(r.active_slot, Slot::Tcp);
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
