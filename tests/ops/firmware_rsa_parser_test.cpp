// The test-side fixed-position parser (firmware_rsa_parser.hpp) against keys the product generates,
// and a self-check that it catches a short integer.
#include <gtest/gtest.h>

#include "firmware_rsa_parser.hpp"
#include "photon_dct/keys/key.hpp"

namespace {

using namespace photon_dct;
using namespace ops_test;

TEST(DeviceKeyGeneration, TwoHundredGeneratedKeysPassTheFixedPositionParser) {
    for (int i = 0; i < 200; ++i) {
        const keys::Key key = keys::generate_device_rsa_key();
        ASSERT_EQ(key.bits(), 1024);
        ASSERT_EQ(key.rsa_public_exponent(), 65537u);
        const Bytes der = key.pkcs1_private_der();
        ASSERT_LE(der.size(), 612u) << "key " << i;
        const auto real = der_walk(der);
        ASSERT_TRUE(real.has_value()) << "key " << i;
        EXPECT_EQ(real->n, key.rsa_modulus()) << "key " << i << ": the DER walk disagrees with OpenSSL's modulus";
        std::string why;
        EXPECT_TRUE(firmware_reads_correctly(der, &why)) << "key " << i << ": " << why;
        EXPECT_EQ(firmware_parse(der).n, key.rsa_modulus()) << "key " << i;
    }
}

TEST(DeviceKeyGeneration, TestParserCatchesAShortIntegerInASyntheticDer) {
    // Self-check of the test-side parser: a well-formed key passes, and the same DER with one CRT
    // value re-encoded shorter does not.
    const Bytes good = keys::generate_device_rsa_key().pkcs1_private_der();
    ASSERT_TRUE(firmware_reads_correctly(good));
    auto real = der_walk(good);
    ASSERT_TRUE(real.has_value());
    // Rebuild with QP stripped of its first byte (a 63-byte value): "02 3f ...".
    Bytes body = hex("02 01 00");
    auto put_int = [&](const Bytes& v) {
        Bytes enc = v;
        if (enc[0] & 0x80) enc.insert(enc.begin(), 0x00);
        body.push_back(0x02);
        if (enc.size() >= 128) {
            body.push_back(0x81);
        }
        body.push_back(static_cast<std::uint8_t>(enc.size()));
        body.insert(body.end(), enc.begin(), enc.end());
    };
    Bytes short_qp(real->qp.begin() + 1, real->qp.end());
    short_qp[0] &= 0x7F;
    for (const Bytes* v : {&real->n, &real->e, &real->d, &real->p, &real->q, &real->dp, &real->dq}) put_int(*v);
    put_int(short_qp);
    Bytes der = {0x30, 0x82, static_cast<std::uint8_t>(body.size() >> 8),
                 static_cast<std::uint8_t>(body.size() & 0xFF)};
    der.insert(der.end(), body.begin(), body.end());
    std::string why;
    EXPECT_FALSE(firmware_reads_correctly(der, &why));
}

} // namespace
