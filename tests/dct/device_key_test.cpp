// encode_device_key_slots against docs/dct-format.md 5.1-5.3.
#include <gtest/gtest.h>

#include "dct_test_support.hpp"
#include "photon_dct/dct/decode.hpp"
#include "photon_dct/dct/device_key.hpp"
#include "photon_dct/dct/platform.hpp"
#include "photon_dct/keys/key.hpp"

using namespace photon_dct;
using namespace photon_dct::dct;
using namespace dcttest;

namespace {
const SlotLayout& tcp() { return platform(PlatformId::Photon).tcp; }
const SlotLayout& udp() { return platform(PlatformId::Electron).udp; }
} // namespace

TEST(EncodeDeviceKeySlots, TcpPrivateSlotIsPkcs1ThenFF) {
    const keys::Key& k = device_rsa();
    const Bytes pkcs1 = k.pkcs1_private_der();
    // PKCS#1 RSAPrivateKey, not PKCS#8: SEQUENCE, then INTEGER 0, then INTEGER N (02 81 81 00 ...).
    ASSERT_EQ(slice(pkcs1, 0, 2), hex("30 82"));
    ASSERT_EQ(slice(pkcs1, 4, 7), hex("02 01 00 02 81 81 00"));
    ASSERT_LE(pkcs1.size(), 612u);
    const DeviceKeySlotBytes s = encode_device_key_slots(tcp(), k);
    ASSERT_EQ(s.private_slot.size(), 612u);
    EXPECT_EQ(s.private_slot, cat({pkcs1, fill(612 - pkcs1.size(), 0xFF)}));
}

TEST(EncodeDeviceKeySlots, TcpPublicSlotIs162ByteSpkiThen222Zeros) {
    const keys::Key& k = device_rsa();
    const DeviceKeySlotBytes s = encode_device_key_slots(tcp(), k);
    ASSERT_EQ(s.public_slot.size(), 384u);
    const Bytes n = k.rsa_modulus();
    ASSERT_EQ(n.size(), 128u);
    const Bytes expected =
        cat({hex("30 81 9f 30 0d 06 09 2a 86 48 86 f7 0d 01 01 01 05 00 03 81 8d 00 30 81 89 02 81 81 00"), n,
             hex("02 03 01 00 01"), fill(222, 0x00)});
    ASSERT_EQ(expected.size(), 384u);
    EXPECT_EQ(s.public_slot, expected);
    // N in the SPKI is privkey[11..138] (§5.2)
    EXPECT_EQ(slice(s.public_slot, 29, 128), slice(k.pkcs1_private_der(), 11, 128));
}

TEST(EncodeDeviceKeySlots, UdpPrivateSlotIsSec1ThenFF) {
    const keys::Key& k = device_ec();
    const DeviceKeySlotBytes s = encode_device_key_slots(udp(), k);
    ASSERT_EQ(s.private_slot.size(), 192u);
    // Length from the DER header: 30 77 => 2 + 119 = 121.
    EXPECT_EQ(s.private_slot[0], 0x30);
    EXPECT_EQ(s.private_slot[1], 0x77);
    const std::size_t len = 2 + s.private_slot[1];
    EXPECT_EQ(len, 121u);
    // SEC1 ECPrivateKey: INTEGER 1, OCTET STRING(32)
    EXPECT_EQ(slice(s.private_slot, 2, 5), hex("02 01 01 04 20"));
    EXPECT_EQ(slice(s.private_slot, 0, 121), k.sec1_private_der());
    EXPECT_EQ(slice(s.private_slot, 121, 71), fill(71, 0xFF));
    ASSERT_TRUE(keys::parse_ec_private_sec1_der(slice(s.private_slot, 0, 121)).has_value());
}

TEST(EncodeDeviceKeySlots, UdpPublicSlotIsRightAligned) {
    const keys::Key& k = device_ec();
    const DeviceKeySlotBytes s = encode_device_key_slots(udp(), k);
    ASSERT_EQ(s.public_slot.size(), 128u);
    EXPECT_EQ(slice(s.public_slot, 0, 37), fill(37, 0x00));
    EXPECT_EQ(slice(s.public_slot, 37, 27), p256_spki_prefix());
    EXPECT_EQ(slice(s.public_slot, 37, 91), k.spki_der());
}

TEST(EncodeDeviceKeySlots, SlotsDecodeAsMatchingKeys) {
    Bytes img = erased_image();
    put(img, 3618, sample_device_id());
    const DeviceKeySlotBytes t = encode_device_key_slots(tcp(), device_rsa());
    put(img, 34, t.private_slot);
    put(img, 1250, t.public_slot);
    const DeviceKeySlotBytes u = encode_device_key_slots(udp(), device_ec());
    put(img, 3106, u.private_slot);
    put(img, 2978, u.public_slot);
    const DctReport r = decode_dct(platform(PlatformId::Electron), img);
    EXPECT_EQ(r.tcp.device_key.state, KeyState::Valid);
    EXPECT_TRUE(r.tcp.device_key.firmware_parser_ok);
    EXPECT_EQ(r.tcp.device_key.public_key, PublicKeyState::Matches);
    ASSERT_TRUE(r.udp.has_value());
    EXPECT_EQ(r.udp->device_key.state, KeyState::Valid);
    EXPECT_EQ(r.udp->device_key.public_key, PublicKeyState::Matches);
    EXPECT_EQ(r.udp->device_key.public_key_alignment, "right");
}

TEST(EncodeDeviceKeySlots, RefusesRsa2048ForTcp) {
    expect_invalid_input([] { (void)encode_device_key_slots(tcp(), server_rsa2048()); }, {"RSA-2048", "RSA-1024"});
}

TEST(EncodeDeviceKeySlots, RefusesPublicOnlyKey) {
    const keys::Key pub = device_rsa().public_only();
    expect_invalid_input([&] { (void)encode_device_key_slots(tcp(), pub); }, {"public key"});
    const keys::Key ec_pub = device_ec().public_only();
    expect_invalid_input([&] { (void)encode_device_key_slots(udp(), ec_pub); }, {"public key"});
}

TEST(EncodeDeviceKeySlots, RefusesEcForTcp) {
    expect_invalid_input([] { (void)encode_device_key_slots(tcp(), device_ec()); }, {"EC P-256", "RSA-1024"});
}

TEST(EncodeDeviceKeySlots, RefusesRsaForUdp) {
    expect_invalid_input([] { (void)encode_device_key_slots(udp(), device_rsa()); }, {"RSA-1024", "P-256"});
}

TEST(EncodeDeviceKeySlots, RefusesRsa1024WithExponent3) {
    const keys::Key k = keys::generate_rsa(1024, 3);
    expect_invalid_input([&] { (void)encode_device_key_slots(tcp(), k); }, {"65537"});
}

TEST(LooksLikePkcs8, RecognisesTheOpenSsl3Prefix) {
    // §5.1: 30 82 02 77 02 01 00 30 0d 06 09 2a 86 48 …
    EXPECT_TRUE(looks_like_pkcs8(hex("30 82 02 77 02 01 00 30 0d 06 09 2a 86 48 86 f7 0d 01 01 01 05 00")));
    EXPECT_FALSE(looks_like_pkcs8(hex("30 82 02 5f 02 01 00 02 81 81 00 c0 ff ee aa bb")));
    EXPECT_FALSE(looks_like_pkcs8(hex("30 82 02 77")));
    EXPECT_FALSE(looks_like_pkcs8(ByteView{}));
}
