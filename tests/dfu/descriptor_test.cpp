#include <gtest/gtest.h>

#include "photon_dct/dfu/descriptor.hpp"
#include "photon_dct/error.hpp"
#include "scripted_transport.hpp"

using namespace photon_dct;
using namespace photon_dct::dfu;
using namespace photon_dct::dfu::testing;

namespace {
ErrorKind kind_of(const Bytes& config) {
    try {
        parse_dfu_interface(config);
    } catch (const Error& e) {
        return e.kind();
    }
    return ErrorKind::Internal;
}
} // namespace

TEST(DfuDescriptor, PhotonFunctionalDescriptorAfterTheLastAlt) {
    const DfuInterface d = parse_dfu_interface(photon_config());
    EXPECT_EQ(d.interface_number, 0);
    ASSERT_EQ(d.alts.size(), 2u);
    EXPECT_EQ(d.alts[0].alternate_setting, 0);
    EXPECT_EQ(d.alts[0].string_index, 6);
    EXPECT_EQ(d.alts[0].protocol, 2);
    EXPECT_EQ(d.alts[1].alternate_setting, 1);
    EXPECT_EQ(d.alts[1].string_index, 7);
    EXPECT_EQ(d.functional.attributes, 0x0B);
    EXPECT_TRUE(d.functional.attributes & kDfuCanDownload);
    EXPECT_TRUE(d.functional.attributes & kDfuCanUpload);
    EXPECT_TRUE(d.functional.attributes & kDfuWillDetach);
    EXPECT_FALSE(d.functional.attributes & kDfuManifestationTolerant);
    EXPECT_EQ(d.functional.detach_timeout_ms, 255);
    EXPECT_EQ(d.functional.transfer_size, 4096);
    EXPECT_EQ(d.functional.dfu_version, 0x011A);
    EXPECT_TRUE(d.is_dfuse());
}

TEST(DfuDescriptor, P1HasThreeAlts) {
    const DfuInterface d = parse_dfu_interface(p1_config());
    ASSERT_EQ(d.alts.size(), 3u);
    EXPECT_EQ(d.alts[2].alternate_setting, 2);
    EXPECT_EQ(d.alts[2].string_index, 8);
    EXPECT_EQ(d.functional.transfer_size, 4096);
}

TEST(DfuDescriptor, FunctionalDescriptorRightAfterTheConfigurationAndDfu10Length) {
    Bytes c = {0x09, 0x02, 0x1B, 0x00, 0x01, 0x01, 0x00, 0x80, 0x32,
               0x07, 0x21, 0x03, 0x10, 0x00, 0x00, 0x04, // 7 bytes: DFU 1.0
               0x09, 0x04, 0x00, 0x00, 0x00, 0xFE, 0x01, 0x02, 0x04};
    c[2] = static_cast<std::uint8_t>(c.size());
    const DfuInterface d = parse_dfu_interface(c);
    EXPECT_EQ(d.functional.attributes, 0x03);
    EXPECT_EQ(d.functional.detach_timeout_ms, 16);
    EXPECT_EQ(d.functional.transfer_size, 1024);
    EXPECT_EQ(d.functional.dfu_version, 0x0100);
    EXPECT_FALSE(d.is_dfuse());
}

TEST(DfuDescriptor, HidDescriptorOfAnotherInterfaceIsNotTakenAsFunctional) {
    // Interface 0 HID with its 0x21 class descriptor, interface 1 DFU with its own.
    Bytes c = {0x09, 0x02, 0x00, 0x00, 0x02, 0x01, 0x00, 0x80, 0x32, 0x09, 0x04, 0x00, 0x00,
               0x01, 0x03, 0x00, 0x00, 0x00, 0x09, 0x21, 0x11, 0x01, 0x00, 0x01, 0x22, 0x20,
               0x00, 0x07, 0x05, 0x81, 0x03, 0x08, 0x00, 0x0A, 0x09, 0x04, 0x01, 0x00, 0x00,
               0xFE, 0x01, 0x02, 0x05, 0x09, 0x21, 0x0B, 0xFF, 0x00, 0x00, 0x08, 0x1A, 0x01};
    c[2] = static_cast<std::uint8_t>(c.size());
    const DfuInterface d = parse_dfu_interface(c);
    EXPECT_EQ(d.interface_number, 1);
    EXPECT_EQ(d.functional.transfer_size, 2048);
    EXPECT_EQ(d.functional.attributes, 0x0B);
}

TEST(DfuDescriptor, NormalModeDeviceIsNotInDfuMode) {
    // CDC only (communication + data interfaces).
    Bytes cdc = {0x09, 0x02, 0x00, 0x00, 0x02, 0x01, 0x00, 0x80, 0x32, 0x09, 0x04, 0x00, 0x00, 0x01, 0x02, 0x02,
                 0x01, 0x00, 0x07, 0x05, 0x82, 0x03, 0x08, 0x00, 0xFF, 0x09, 0x04, 0x01, 0x00, 0x02, 0x0A, 0x00,
                 0x00, 0x00, 0x07, 0x05, 0x01, 0x02, 0x40, 0x00, 0x00, 0x07, 0x05, 0x81, 0x02, 0x40, 0x00, 0x00};
    cdc[2] = static_cast<std::uint8_t>(cdc.size());
    EXPECT_EQ(kind_of(cdc), ErrorKind::DeviceNotInDfuMode);

    // A DFU run-time interface (protocol 1) only.
    Bytes runtime = {0x09, 0x02, 0x1B, 0x00, 0x01, 0x01, 0x00, 0x80, 0x32, 0x09, 0x04, 0x00, 0x00, 0x00,
                     0xFE, 0x01, 0x01, 0x00, 0x09, 0x21, 0x0B, 0xFF, 0x00, 0x00, 0x10, 0x1A, 0x01};
    try {
        parse_dfu_interface(runtime);
        ADD_FAILURE() << "accepted a run-time interface";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::DeviceNotInDfuMode);
        EXPECT_NE(std::string(e.what()).find("normal mode"), std::string::npos) << e.what();
        EXPECT_TRUE(e.hint().empty()); // the button advice depends on the platform: the session adds it
    }
}

TEST(DfuDescriptor, MissingFunctionalDescriptorAndMalformedBytesAreProtocolErrors) {
    Bytes c = photon_config();
    c.resize(27);
    c[2] = 27;
    EXPECT_EQ(kind_of(c), ErrorKind::DfuProtocol);

    EXPECT_EQ(kind_of({}), ErrorKind::DfuProtocol);
    EXPECT_EQ(kind_of({0x09, 0x04, 0, 0, 0, 0, 0, 0, 0}), ErrorKind::DfuProtocol); // not a config
    Bytes zero_length = photon_config();
    zero_length[9] = 0; // a descriptor of length 0 would loop forever
    EXPECT_EQ(kind_of(zero_length), ErrorKind::DfuProtocol);
    Bytes overrun = photon_config();
    overrun[27] = 0x20; // functional descriptor claims to run past the end
    EXPECT_EQ(kind_of(overrun), ErrorKind::DfuProtocol);
    Bytes short_functional = photon_config();
    short_functional[27] = 5;
    short_functional[2] = 32;
    short_functional.resize(32);
    EXPECT_EQ(kind_of(short_functional), ErrorKind::DfuProtocol);
}

TEST(DfuDescriptor, WTotalLengthShorterThanTheBufferIsHonoured) {
    Bytes c = photon_config();
    c.insert(c.end(), {0x09, 0x04, 0x00, 0x02, 0x00, 0xFE, 0x01, 0x02, 0x08}); // beyond wTotalLength
    const DfuInterface d = parse_dfu_interface(c);
    EXPECT_EQ(d.alts.size(), 2u);
}
