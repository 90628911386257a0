// Strict parsers for key bytes found in a DCT: exact length, expected structure, never throw.
#include "asn1.hpp"
#include "ossl.hpp"

#include <openssl/core_names.h>
#include <openssl/x509.h>

namespace photon_dct::keys {

using namespace detail;

PkeyPtr detail::decode_exact(ByteView der, const char* structure, const char* keytype, int selection) {
    if (der.empty()) return nullptr;
    EVP_PKEY* raw = nullptr;
    DecoderCtxPtr ctx(OSSL_DECODER_CTX_new_for_pkey(&raw, "DER", structure, keytype, selection, nullptr, nullptr));
    if (!ctx || OSSL_DECODER_CTX_get_num_decoders(ctx.get()) == 0) return nullptr;
    const unsigned char* p = der.data();
    std::size_t left = der.size();
    const int ok = OSSL_DECODER_from_data(ctx.get(), &p, &left);
    PkeyPtr pkey(raw);
    if (ok != 1 || !pkey || left != 0) return nullptr;
    return pkey;
}

namespace {

// True if a two-prime RSA key's numbers fit together: n = p*q, e*d = 1 mod (p-1) and mod (q-1),
// dP = d mod (p-1), dQ = d mod (q-1), qInv*q = 1 mod p, and e odd > 1. These are what the
// firmware's CRT signing relies on, and a flipped bit anywhere breaks one of them. It replaces
// EVP_PKEY_pairwise_check, which also tests p and q for primality: about 5 ms per RSA-1024 key,
// a third of an `inspect` (tests/perf/RESULTS.md), and no flash fault makes a composite p that
// keeps all these identities. Multi-prime keys (which no Device OS reads) fail here.
bool rsa_identities_hold(const EVP_PKEY* pkey) {
    SecretBnPtr n = bn_param(pkey, OSSL_PKEY_PARAM_RSA_N), e = bn_param(pkey, OSSL_PKEY_PARAM_RSA_E),
                d = bn_param(pkey, OSSL_PKEY_PARAM_RSA_D), p = bn_param(pkey, OSSL_PKEY_PARAM_RSA_FACTOR1),
                q = bn_param(pkey, OSSL_PKEY_PARAM_RSA_FACTOR2), dp = bn_param(pkey, OSSL_PKEY_PARAM_RSA_EXPONENT1),
                dq = bn_param(pkey, OSSL_PKEY_PARAM_RSA_EXPONENT2),
                qinv = bn_param(pkey, OSSL_PKEY_PARAM_RSA_COEFFICIENT1);
    if (!n || !e || !d || !p || !q || !dp || !dq || !qinv) return false;
    if (SecretBnPtr third = bn_param(pkey, OSSL_PKEY_PARAM_RSA_FACTOR3)) return false;
    if (!BN_is_odd(e.get()) || BN_is_one(e.get()) || BN_cmp(p.get(), BN_value_one()) <= 0 ||
        BN_cmp(q.get(), BN_value_one()) <= 0)
        return false;
    std::unique_ptr<BN_CTX, Deleter<BN_CTX_free>> ctx(BN_CTX_secure_new());
    SecretBnPtr t(BN_secure_new()), ed(BN_secure_new()), pm1(BN_secure_new()), qm1(BN_secure_new());
    if (!ctx || !t || !ed || !pm1 || !qm1) return false;
    if (BN_mul(t.get(), p.get(), q.get(), ctx.get()) != 1 || BN_cmp(t.get(), n.get()) != 0) return false;
    if (BN_sub(pm1.get(), p.get(), BN_value_one()) != 1 || BN_sub(qm1.get(), q.get(), BN_value_one()) != 1 ||
        BN_mul(ed.get(), e.get(), d.get(), ctx.get()) != 1)
        return false;
    // Each pair: (value, modulus, expected remainder).
    const struct {
        const BIGNUM* value;
        const BIGNUM* modulus;
        const BIGNUM* expected;
    } residues[] = {{ed.get(), pm1.get(), BN_value_one()},
                    {ed.get(), qm1.get(), BN_value_one()},
                    {d.get(), pm1.get(), dp.get()},
                    {d.get(), qm1.get(), dq.get()}};
    for (const auto& r : residues)
        if (BN_mod(t.get(), r.value, r.modulus, ctx.get()) != 1 || BN_cmp(t.get(), r.expected) != 0) return false;
    return BN_mod_mul(t.get(), qinv.get(), q.get(), p.get(), ctx.get()) == 1 && BN_is_one(t.get());
}

} // namespace

bool detail::pairwise_ok(EVP_PKEY* pkey) {
    if (EVP_PKEY_is_a(pkey, "RSA")) return rsa_identities_hold(pkey);
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
    return ctx && EVP_PKEY_pairwise_check(ctx.get()) == 1;
}

namespace {

bool exact_sequence(ByteView der) {
    const auto len = der_sequence_length(der);
    return len && *len == der.size();
}

} // namespace

std::optional<Key> parse_spki_der(ByteView der) try {
    ErrorQueueGuard guard;
    if (!exact_sequence(der)) return std::nullopt;
    std::optional<PkeyPtr> pkey = rsa_or_ec_spki(der);
    if (!pkey) {
        const unsigned char* p = der.data();
        pkey.emplace(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
        if (p != der.data() + der.size()) return std::nullopt;
    }
    if (!*pkey) return std::nullopt;
    return KeyAccess::make(std::move(*pkey));
} catch (...) {
    return std::nullopt;
}

std::optional<Key> parse_rsa_private_pkcs1_der(ByteView der) try {
    ErrorQueueGuard guard;
    if (!exact_sequence(der)) return std::nullopt;
    // PKCS#1 RSAPrivateKey: SEQUENCE { INTEGER version, INTEGER n, … }. Reject PKCS#8
    // (SEQUENCE { INTEGER 0, SEQUENCE AlgorithmIdentifier, … }) before OpenSSL sees it.
    const std::size_t hdr = (der[1] & 0x80) ? 2 + (der[1] & 0x7fU) : 2;
    if (der.size() < hdr + 4 || der[hdr] != 0x02 || der[hdr + 1] != 0x01 || der[hdr + 3] != 0x02) return std::nullopt;
    // rsa_private_pkcs1 only ever builds an RSA key pair; what is left to check is that its
    // numbers fit together.
    PkeyPtr pkey = rsa_private_pkcs1(der);
    if (!pkey || !pairwise_ok(pkey.get())) return std::nullopt;
    return KeyAccess::make(std::move(pkey));
} catch (...) {
    return std::nullopt;
}

std::optional<Key> parse_ec_private_sec1_der(ByteView der) try {
    ErrorQueueGuard guard;
    if (!exact_sequence(der)) return std::nullopt;
    // SEC1 ECPrivateKey: SEQUENCE { INTEGER 1, OCTET STRING privateKey, … }.
    const std::size_t hdr = (der[1] & 0x80) ? 2 + (der[1] & 0x7fU) : 2;
    if (der.size() < hdr + 4 || der[hdr] != 0x02 || der[hdr + 1] != 0x01 || der[hdr + 2] != 0x01 ||
        der[hdr + 3] != 0x04)
        return std::nullopt;
    // Without a public point OpenSSL's decoder derives it from the secret.
    std::optional<PkeyPtr> read = ec_private_sec1(der);
    PkeyPtr pkey = read ? std::move(*read) : decode_exact(der, "type-specific", "EC", EVP_PKEY_KEYPAIR);
    if (!pkey || !EVP_PKEY_is_a(pkey.get(), "EC") || !has_private(pkey.get()) || !pairwise_ok(pkey.get()))
        return std::nullopt;
    return KeyAccess::make(std::move(pkey));
} catch (...) {
    return std::nullopt;
}

} // namespace photon_dct::keys
