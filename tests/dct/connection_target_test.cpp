// What the firmware connects to per Device OS range (docs/dct-format.md 3.5, 4.2).
#include <gtest/gtest.h>

#include "decode_test_support.hpp"

using namespace photon_dct;
using namespace photon_dct::dct;
using namespace dcttest;

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
    put(img, 3298, server_key_der_for_slot(Slot::Udp, server_ec()));
    const std::string expanded = std::string(kSampleDeviceIdHex) + ".udp.particle.io";
    {
        DecodeOptions o;
        o.os_range = parse_os_version("0.6.3", "--device-os");
        const DctReport r = decode_dct(electron(), img, o);
        ASSERT_EQ(r.active_slot, Slot::Udp);
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
    put(img, 3298, server_key_der_for_slot(Slot::Udp, server_ec()));
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

namespace {

// An Electron image whose UDP server address has the invalid, non-blank type 0x07.
Bytes udp_invalid_type_image() {
    Bytes img = base_image();
    put(img, 3298, server_key_der_for_slot(Slot::Udp, server_ec()));
    Bytes b = domain_block("cloud.example.com");
    b[0] = 0x07;
    put(img, 3490, b);
    return img;
}

} // namespace

TEST(ConnectionTarget, UdpInvalidNonBlankTypeFrom110IsRestoredInRam) {
    // §3.5, 1.1.0+: the test is "!= IP_ADDRESS && != DOMAIN_NAME", so 0x07 is replaced by the backup.
    const Bytes img = udp_invalid_type_image();
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
    const Bytes img = udp_invalid_type_image();
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
    put(img, 3298, server_key_der_for_slot(Slot::Udp, server_ec()));
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
