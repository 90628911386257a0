// Platform table against docs/dct-format.md sections 1.3, 2, 3.1, 6.2 and 7.1 (values typed from the document).
#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "photon_dct/dct/platform.hpp"

using namespace photon_dct::dct;

namespace {

struct ExpectedField {
    const char* name;
    std::uint32_t offset;
    std::uint32_t size;
};

// docs/dct-format.md section 2, application_dct_t (D231), in order.
const std::vector<ExpectedField> kSection2 = {
    {"system_flags", 0, 32},
    {"version", 32, 2},
    {"device_private_key", 34, 1216},
    {"device_public_key", 1250, 384},
    {"ip_config", 1634, 24},
    {"unused", 1658, 95},
    {"ota_update_flag", 1753, 1},
    {"feature_flags", 1754, 4},
    {"country_code", 1758, 4},
    {"claim_code", 1762, 63},
    {"claimed", 1825, 1},
    {"ssid_prefix", 1826, 26},
    {"device_code", 1852, 6},
    {"version_string", 1858, 32},
    {"dns_resolve", 1890, 128},
    {"reserved1", 2018, 64},
    {"server_public_key", 2082, 768},
    {"padding", 2850, 2},
    {"flash_modules", 2852, 100},
    {"product_store", 2952, 24},
    {"antenna_selection", 2976, 1},
    {"cloud_transport", 2977, 1},
    {"alt_device_public_key", 2978, 128},
    {"alt_device_private_key", 3106, 192},
    {"alt_server_public_key", 3298, 192},
    {"alt_server_address", 3490, 128},
    {"device_id", 3618, 12},
    {"radio_flags", 3630, 1},
    {"mode_button_mirror", 3631, 32},
    {"led_mirror", 3663, 96},
    {"led_theme", 3759, 64},
    {"eap_config", 3823, 4296},
    {"device_secret", 8119, 15},
    {"power_config", 8134, 32},
    {"ext_low_speed_clock_disable", 8166, 4},
    {"reserved2", 8170, 221},
};

const PlatformId kAll[] = {PlatformId::Photon, PlatformId::P1, PlatformId::Electron};

} // namespace

TEST(PlatformTable, EverySection2FieldHasTheDocumentedOffsetAndSize) {
    for (PlatformId id : kAll) {
        const Platform& p = platform(id);
        for (const auto& f : kSection2) {
            SCOPED_TRACE(std::string(p.name) + "." + f.name);
            const FieldSpec& spec = p.field(f.name);
            EXPECT_EQ(spec.offset, f.offset);
            EXPECT_EQ(spec.size, f.size);
        }
    }
}

TEST(PlatformTable, Section2FieldsAreContiguousAndEndAt8391) {
    std::uint32_t next = 0;
    for (const auto& f : kSection2) {
        EXPECT_EQ(f.offset, next) << f.name; // checks the typed table itself
        next = f.offset + f.size;
    }
    EXPECT_EQ(next, 8391u);
    EXPECT_EQ(kAppDctSize, 8391u);
    EXPECT_EQ(kAppDctSizeV060, 4258u);
    EXPECT_EQ(kDfuWindowSize, 16384u);
}

TEST(PlatformTable, ServerAddressMacroIsKeyPlus384) {
    // DCT_SERVER_ADDRESS_OFFSET = 2082 + 384 = 2466, size 128; port at 2532.
    const FieldSpec& f = platform(PlatformId::Photon).field("server_address");
    EXPECT_EQ(f.offset, 2466u);
    EXPECT_EQ(f.size, 128u);
}

TEST(PlatformTable, UnknownFieldThrowsOutOfRange) {
    EXPECT_THROW((void)platform(PlatformId::Photon).field("no_such_field"), std::out_of_range);
}

TEST(PlatformTable, TcpSlotLayout) {
    for (PlatformId id : kAll) {
        const SlotLayout& s = platform(id).tcp;
        SCOPED_TRACE(std::string(platform(id).name));
        EXPECT_EQ(s.kind, Slot::Tcp);
        EXPECT_EQ(s.server_block_offset, 2082u);
        EXPECT_EQ(s.server_block_size, 512u);
        EXPECT_EQ(s.address_offset, 384u);
        EXPECT_EQ(s.port_offset, 450u);
        EXPECT_EQ(s.server_block_offset + s.address_offset, 2466u);
        EXPECT_EQ(s.server_block_offset + s.port_offset, 2532u);
        EXPECT_EQ(s.device_private_key_offset, 34u);
        EXPECT_EQ(s.device_private_key_size, 612u);
        EXPECT_EQ(s.device_public_key_offset, 1250u);
        EXPECT_EQ(s.device_public_key_size, 384u);
        EXPECT_EQ(s.default_port, 5683);
        EXPECT_EQ(s.default_host, "device.spark.io");
        EXPECT_EQ(&platform(id).slot(Slot::Tcp), &platform(id).tcp);
    }
}

TEST(PlatformTable, UdpSlotLayout) {
    for (PlatformId id : kAll) {
        const SlotLayout& s = platform(id).udp;
        SCOPED_TRACE(std::string(platform(id).name));
        EXPECT_EQ(s.kind, Slot::Udp);
        EXPECT_EQ(s.server_block_offset, 3298u);
        EXPECT_EQ(s.server_block_size, 320u);
        EXPECT_EQ(s.address_offset, 192u);
        EXPECT_EQ(s.port_offset, 258u);
        EXPECT_EQ(s.server_block_offset + s.address_offset, 3490u);
        EXPECT_EQ(s.server_block_offset + s.port_offset, 3556u);
        EXPECT_EQ(s.device_private_key_offset, 3106u);
        EXPECT_EQ(s.device_private_key_size, 192u);
        EXPECT_EQ(s.device_public_key_offset, 2978u);
        EXPECT_EQ(s.device_public_key_size, 128u);
        EXPECT_EQ(s.default_port, 5684);
        EXPECT_EQ(s.default_host, "$id.udp.particle.io");
        EXPECT_EQ(&platform(id).slot(Slot::Udp), &platform(id).udp);
    }
}

TEST(PlatformTable, CloudTransportAndDeviceIdOffsets) {
    const Platform& e = platform(PlatformId::Electron);
    EXPECT_EQ(e.field("cloud_transport").offset, 2977u);
    EXPECT_EQ(e.field("cloud_transport").size, 1u);
    EXPECT_EQ(e.field("device_id").offset, 3618u);
    EXPECT_EQ(e.field("device_id").size, 12u);
    EXPECT_EQ(kCloudTransportUdp, 0xFF);
    EXPECT_EQ(kCloudTransportTcp, 0x00);
}

TEST(PlatformTable, UsbIdentities) {
    // docs/dct-format.md 7.1 / 6.2.
    const std::tuple<PlatformId, const char*, const char*, std::uint16_t, std::uint16_t, int> expected[] = {
        {PlatformId::Photon, "photon", "Photon", 0xd006, 0xc006, 6},
        {PlatformId::P1, "p1", "P1", 0xd008, 0xc008, 8},
        {PlatformId::Electron, "electron", "Electron", 0xd00a, 0xc00a, 10},
    };
    for (const auto& [id, name, display, dfu, cdc, number] : expected) {
        const Platform& p = platform(id);
        SCOPED_TRACE(name);
        EXPECT_EQ(static_cast<int>(p.id), number);
        EXPECT_EQ(p.name, name);
        EXPECT_EQ(p.display_name, display);
        EXPECT_EQ(p.usb_vendor_id, 0x2b04);
        EXPECT_EQ(p.dfu_product_id, dfu);
        EXPECT_EQ(p.normal_product_id, cdc);
        EXPECT_EQ(find_platform(name), &p);
        EXPECT_EQ(find_platform_by_usb(0x2b04, dfu), &p);
        EXPECT_EQ(find_platform_by_usb(0x2b04, cdc), &p);
    }
    EXPECT_EQ(find_platform("core"), nullptr);
    EXPECT_EQ(find_platform("Photon"), nullptr);              // command-line spelling is lower-case
    EXPECT_EQ(find_platform_by_usb(0x1d50, 0x607f), nullptr); // Core is not Gen 2 Photon-family
    EXPECT_EQ(find_platform_by_usb(0x2b04, 0xd00c), nullptr); // Gen 3
    EXPECT_EQ(find_platform_by_usb(0x1234, 0xd006), nullptr);
}

TEST(PlatformTable, OnlyElectronUsesTheUdpSlot) {
    EXPECT_FALSE(platform(PlatformId::Photon).has_udp_slot);
    EXPECT_FALSE(platform(PlatformId::P1).has_udp_slot);
    EXPECT_TRUE(platform(PlatformId::Electron).has_udp_slot);
    EXPECT_EQ(all_platforms().size(), 3u);
}

TEST(PlatformTable, TransportNames) {
    EXPECT_EQ(slot_name(Slot::Tcp), "tcp");
    EXPECT_EQ(slot_name(Slot::Udp), "udp");
}
