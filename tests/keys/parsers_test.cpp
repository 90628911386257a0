// photon_dct_keys' strict DER parsers on hostile input, and DER sequence lengths.
#include <gtest/gtest.h>

#include "key_test_support.hpp"

namespace {

using namespace photon_dct;
using namespace photon_dct::keys;
using namespace keytest;

// ---------------------------------------------------------------------------------------------
// der_sequence_length

TEST(DerSequenceLength, Forms) {
    EXPECT_EQ(der_sequence_length(Bytes{0x30, 0x00}), 2u);
    EXPECT_EQ(der_sequence_length(Bytes{0x30, 0x03, 1, 2, 3}), 5u);
    EXPECT_EQ(der_sequence_length(Bytes{0x30, 0x03, 1, 2, 3, 0xFF, 0xFF}), 5u); // DCT padding
    Bytes long1 = {0x30, 0x81, 0x80};
    long1.resize(3 + 0x80, 0xAA);
    EXPECT_EQ(der_sequence_length(long1), 131u);
    long1.resize(300, 0xFF);
    EXPECT_EQ(der_sequence_length(long1), 131u);
    Bytes long2 = {0x30, 0x82, 0x01, 0x22};
    long2.resize(294, 0);
    EXPECT_EQ(der_sequence_length(long2), 294u);
    Bytes long3 = {0x30, 0x83, 0x00, 0x01, 0x00};
    long3.resize(5 + 256, 0);
    EXPECT_EQ(der_sequence_length(long3), 261u);
    Bytes long4 = {0x30, 0x84, 0x00, 0x00, 0x00, 0x02, 7, 7};
    EXPECT_EQ(der_sequence_length(long4), 8u);
}

TEST(DerSequenceLength, Rejects) {
    EXPECT_EQ(der_sequence_length({}), std::nullopt);
    EXPECT_EQ(der_sequence_length(Bytes{0x30}), std::nullopt);
    EXPECT_EQ(der_sequence_length(Bytes{0x31, 0x00}), std::nullopt);       // SET
    EXPECT_EQ(der_sequence_length(Bytes{0x02, 0x01, 0x00}), std::nullopt); // INTEGER
    EXPECT_EQ(der_sequence_length(Bytes(16, 0xFF)), std::nullopt);         // blank slot
    EXPECT_EQ(der_sequence_length(Bytes{0x30, 0x03, 1, 2}), std::nullopt); // truncated content
    EXPECT_EQ(der_sequence_length(Bytes{0x30, 0x82, 0x01}), std::nullopt); // truncated length
    EXPECT_EQ(der_sequence_length(Bytes{0x30, 0x82, 0x01, 0x22, 0, 0}), std::nullopt);
    EXPECT_EQ(der_sequence_length(Bytes{0x30, 0x80, 0x00, 0x00}), std::nullopt); // indefinite
    EXPECT_EQ(der_sequence_length(Bytes{0x30, 0x85, 0, 0, 0, 0, 1, 0}), std::nullopt);
    EXPECT_EQ(der_sequence_length(Bytes{0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0}), std::nullopt);
    EXPECT_EQ(der_sequence_length(Bytes{0x30, 0xFF, 0xFF, 0xFF}), std::nullopt);
}

// ---------------------------------------------------------------------------------------------
// Parsers on hostile input

void expect_all_parsers_reject(ByteView in, const std::string& label) {
    EXPECT_FALSE(parse_spki_der(in)) << label;
    EXPECT_FALSE(parse_rsa_private_pkcs1_der(in)) << label;
    EXPECT_FALSE(parse_ec_private_sec1_der(in)) << label;
    EXPECT_EQ(ERR_peek_error(), 0u) << label;
}

TEST(Parsers, EmptyGarbageTruncated) {
    const Bytes rsa_priv = rsa1024().pkcs1_private_der();
    const Bytes ec_priv = ec256().sec1_private_der();
    const Bytes rsa_pub = rsa2048().spki_der();
    const Bytes ec_pub = ec256().spki_der();
    expect_all_parsers_reject({}, "empty");
    expect_all_parsers_reject(Bytes{0x30}, "lone tag");
    expect_all_parsers_reject(Bytes{0x30, 0x00}, "empty sequence");
    expect_all_parsers_reject(Bytes(612, 0xFF), "blank slot");
    expect_all_parsers_reject(Bytes(192, 0x00), "zero slot");
    expect_all_parsers_reject(Bytes{0x30, 0x03, 0x02, 0x01, 0x00}, "sequence of 0");
    for (const Bytes* b : {&rsa_priv, &ec_priv, &rsa_pub, &ec_pub}) {
        for (std::size_t cut : {std::size_t{1}, std::size_t{2}, std::size_t{10}, b->size() / 2, b->size() - 1})
            expect_all_parsers_reject(ByteView(*b).first(cut), "truncated to " + std::to_string(cut));
        Bytes extra = *b;
        extra.push_back(0x00);
        expect_all_parsers_reject(extra, "trailing byte");
    }
    // Each parser refuses the other formats.
    EXPECT_FALSE(parse_spki_der(rsa_priv));
    EXPECT_FALSE(parse_spki_der(ec_priv));
    EXPECT_FALSE(parse_rsa_private_pkcs1_der(rsa_pub));
    EXPECT_FALSE(parse_ec_private_sec1_der(ec_pub));
    EXPECT_EQ(ERR_peek_error(), 0u);
}

// Found by fuzz_keys: a SEC1 key with version 3 (RFC 5915 requires 1) slipped through the PKCS#8
// path, because OpenSSL's PrivateKeyInfo decoder also takes type-specific input; its re-encoding
// keeps version 3, which parse_ec_private_sec1_der refuses. Every loader must refuse it.
TEST(Parsers, Sec1VersionOtherThanOneIsRefused) {
    Bytes der = ec256().sec1_private_der();
    ASSERT_EQ(der[2], 0x02);
    ASSERT_EQ(der[4], 0x01);
    der[4] = 0x03;
    expect_all_parsers_reject(der, "SEC1 version 3");
    expect_load_error(der, ErrorKind::InvalidInput);
    Bytes padded = der;
    padded.resize(der.size() + 20, 0xFF); // as in a DCT key slot
    expect_load_error(padded, ErrorKind::InvalidInput);
    // The same key with version 1 and as PKCS#8 still loads.
    der[4] = 0x01;
    EXPECT_TRUE(load_key(der, "sec1.der").is_private());
    EXPECT_TRUE(load_key(pkcs8_der(ec256()), "p8.der").is_private());
}

TEST(Parsers, PreexistingOpenSslErrorsAreKept) {
    ERR_clear_error();
    ERR_raise(ERR_LIB_USER, 1);
    const unsigned long before = ERR_peek_error();
    ASSERT_NE(before, 0u);
    EXPECT_FALSE(parse_spki_der(Bytes{0x30, 0x00}));
    EXPECT_EQ(ERR_peek_last_error(), before);
    ERR_clear_error();
}

// Thousands of random and mutated buffers: no crash, no exception other than Error(InvalidInput)
// from load_key, nothing left on the OpenSSL error queue.
TEST(Parsers, RandomAndMutatedInputsAreSafe) {
    std::mt19937 rng(0x5eed);
    const std::vector<Bytes> seeds = {
        rsa1024().pkcs1_private_der(),
        ec256().sec1_private_der(),
        rsa2048().spki_der(),
        ec256().spki_der(),
        pkcs8_der(rsa1024()),
        pkcs8_der(ec256()),
        load_key(view(kTcpServerPem), "t").spki_der(),
    };
    std::uniform_int_distribution<int> byte(0, 255);
    int accepted = 0;
    int iterations = 0;
    for (int i = 0; i < 4000; ++i) {
        Bytes buf;
        const int mode = i % 4;
        if (mode == 0) {
            buf.resize(static_cast<std::size_t>(rng() % 700));
            for (auto& b : buf) b = static_cast<std::uint8_t>(byte(rng));
            if (!buf.empty() && (i & 8)) buf[0] = 0x30;
        } else {
            buf = seeds[rng() % seeds.size()];
            const int flips = 1 + static_cast<int>(rng() % 4);
            for (int f = 0; f < flips; ++f) {
                const std::size_t at = rng() % buf.size();
                switch (rng() % 4) {
                case 0:
                    buf[at] = static_cast<std::uint8_t>(byte(rng));
                    break;
                case 1:
                    buf[at] ^= static_cast<std::uint8_t>(1U << (rng() % 8));
                    break;
                case 2:
                    buf.resize(at + 1);
                    break;
                default:
                    buf.insert(buf.begin() + static_cast<long>(at), static_cast<std::uint8_t>(byte(rng)));
                    break;
                }
                if (buf.empty()) break;
            }
            if (mode == 3 && buf.size() > 4) buf[1 + rng() % 3] = static_cast<std::uint8_t>(byte(rng)); // length bytes
        }
        ++iterations;
        const auto len = der_sequence_length(buf);
        if (len) {
            EXPECT_LE(*len, buf.size());
        }
        const ByteView cut = len ? ByteView(buf).first(*len) : ByteView(buf);
        accepted += parse_spki_der(cut).has_value();
        accepted += parse_rsa_private_pkcs1_der(cut).has_value();
        accepted += parse_ec_private_sec1_der(cut).has_value();
        (void)firmware_rsa_layout_problem(buf);
        try {
            const Key k = load_key(buf, "fuzz");
            (void)k.algorithm_name();
            (void)k.spki_der();
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::InvalidInput) << e.what();
        }
        ASSERT_EQ(ERR_peek_error(), 0u) << "iteration " << i;
    }
    EXPECT_EQ(iterations, 4000);
    EXPECT_LT(accepted, iterations);
}

} // namespace
