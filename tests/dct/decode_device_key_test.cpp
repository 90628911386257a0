// Device key slots as decode_dct reads them (docs/dct-format.md 5).
#include <gtest/gtest.h>

#include "decode_test_support.hpp"

using namespace photon_dct;
using namespace photon_dct::dct;
using namespace dcttest;

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
    EXPECT_EQ(r.active_slot, Slot::Udp);
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
