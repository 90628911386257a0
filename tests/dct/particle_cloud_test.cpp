// Particle's own cloud (restore-server --particle-cloud, profile cloud = "particle"): golden bytes
// typed from docs/dct-format.md 4.3 (the keys) and 9.3 (the address block the firmware restores).
#include <gtest/gtest.h>

#include "dct_test_support.hpp"
#include "photon_dct/dct/decode.hpp"
#include "photon_dct/dct/platform.hpp"
#include "photon_dct/dct/server_block.hpp"

using namespace photon_dct;
using namespace photon_dct::dct;
using namespace dcttest;

namespace {

// 9.3: 01 0f "device.spark.io" 00, then 0xFF (110 bytes) to the end of the 128-byte address block.
Bytes tcp_address_block() {
    return cat({hex("01 0f 64 65 76 69 63 65 2e 73 70 61 72 6b 2e 69 6f 00"), fill(110, 0xFF)});
}

// 9.3: 01 13 "$id.udp.particle.io" 00, then 0xFF (106 bytes).
Bytes udp_address_block() {
    return cat({hex("01 13 24 69 64 2e 75 64 70 2e 70 61 72 74 69 63 6c 65 2e 69 6f 00"), fill(106, 0xFF)});
}

} // namespace

TEST(ParticleCloudBlock, TcpIsParticlesKeyAndTheFirmwaresDefaultAddress) {
    const Bytes block = particle_cloud_server_block(platform(PlatformId::Photon).tcp);
    // Key (294) + 0xFF up to the address at 384 + the address block (128) = 512.
    EXPECT_EQ(block, cat({pem_to_der(kParticleTcpPem), fill(90, 0xFF), tcp_address_block()}));
}

TEST(ParticleCloudBlock, UdpIsParticlesKeyAndTheFirmwaresDefaultAddress) {
    const Bytes block = particle_cloud_server_block(platform(PlatformId::Electron).udp);
    // Key (91) + 0xFF up to the address at 192 + the address block (128) = 320.
    EXPECT_EQ(block, cat({pem_to_der(kParticleUdpPem), fill(101, 0xFF), udp_address_block()}));
}

TEST(ParticleCloudBlock, ItsHostIsOneTheStrictRuleRefuses) {
    // The reason for a separate encoder: "$id" is not a DNS label character.
    EXPECT_THROW(parse_host("$id.udp.particle.io", "--host"), Error);
}

TEST(ParticleCloudBlock, DecodesAsParticlesCloudOnTheDefaultPort) {
    Bytes image = erased_image();
    put(image, 2082, particle_cloud_server_block(platform(PlatformId::Electron).tcp));
    put(image, 3298, particle_cloud_server_block(platform(PlatformId::Electron).udp));
    put(image, 3618, sample_device_id());
    const DctReport r = decode_dct(platform(PlatformId::Electron), image);
    ASSERT_TRUE(r.udp.has_value());
    for (const SlotInfo* s : {&r.tcp, &*r.udp}) {
        EXPECT_TRUE(s->server_key.particle_production);
        EXPECT_TRUE(s->server_key.firmware_usable);
        EXPECT_EQ(s->address.type, AddressType::Domain);
        EXPECT_TRUE(s->address.port_is_default);
        EXPECT_EQ(s->address.strict_rule_broken, "");
        for (const auto& t : s->targets) EXPECT_TRUE(t.particle_cloud) << t.host;
    }
    EXPECT_EQ(r.tcp.address.host, "device.spark.io");
    EXPECT_EQ(r.udp->address.host, "$id.udp.particle.io");
}
