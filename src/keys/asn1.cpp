// Device OS's key structures through OpenSSL's ASN.1 templates and EVP_PKEY_fromdata (why: see
// asn1.hpp). OpenSSL parses every byte; this file only names the structures and moves numbers.
#include "asn1.hpp"

#include <cstdint>

#include <openssl/asn1t.h>
#include <openssl/core_names.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

namespace photon_dct::keys::detail {
namespace {

// RFC 8017 A.1.1.
struct RsaPublicAsn1 {
    BIGNUM* n;
    BIGNUM* e;
};
ASN1_SEQUENCE(RsaPublicAsn1) = {
    ASN1_SIMPLE(RsaPublicAsn1, n, BIGNUM),
    ASN1_SIMPLE(RsaPublicAsn1, e, BIGNUM),
} ASN1_SEQUENCE_END(RsaPublicAsn1)

// RFC 8017 A.1.2 without otherPrimeInfos: Device OS reads two-prime keys only. CBIGNUM numbers
// live in OpenSSL's secure heap and are wiped when freed.
struct RsaPrivateAsn1 {
    std::int32_t version;
    BIGNUM* n;
    BIGNUM* e;
    BIGNUM* d;
    BIGNUM* p;
    BIGNUM* q;
    BIGNUM* dp;
    BIGNUM* dq;
    BIGNUM* qinv;
};
ASN1_SEQUENCE(RsaPrivateAsn1) = {
    ASN1_EMBED(RsaPrivateAsn1, version, INT32),
    ASN1_SIMPLE(RsaPrivateAsn1, n, BIGNUM),
    ASN1_SIMPLE(RsaPrivateAsn1, e, BIGNUM),
    ASN1_SIMPLE(RsaPrivateAsn1, d, CBIGNUM),
    ASN1_SIMPLE(RsaPrivateAsn1, p, CBIGNUM),
    ASN1_SIMPLE(RsaPrivateAsn1, q, CBIGNUM),
    ASN1_SIMPLE(RsaPrivateAsn1, dp, CBIGNUM),
    ASN1_SIMPLE(RsaPrivateAsn1, dq, CBIGNUM),
    ASN1_SIMPLE(RsaPrivateAsn1, qinv, CBIGNUM),
} ASN1_SEQUENCE_END(RsaPrivateAsn1)

// RFC 5915 3, with the parameters as a named curve only (RFC 5480 2.1.1 forbids the others).
struct EcPrivateAsn1 {
    std::int32_t version;
    ASN1_OCTET_STRING* secret;
    ASN1_OBJECT* curve;
    ASN1_BIT_STRING* point;
};
ASN1_SEQUENCE(EcPrivateAsn1) = {
    ASN1_EMBED(EcPrivateAsn1, version, INT32),
    ASN1_SIMPLE(EcPrivateAsn1, secret, ASN1_OCTET_STRING),
    ASN1_EXP_OPT(EcPrivateAsn1, curve, ASN1_OBJECT, 0),
    ASN1_EXP_OPT(EcPrivateAsn1, point, ASN1_BIT_STRING, 1),
} ASN1_SEQUENCE_END(EcPrivateAsn1)

// RFC 5280 4.1.2.7. d2i_PUBKEY and d2i_X509_PUBKEY would decode the key inside through the
// decoder framework; this structure stops at the bytes.
struct SpkiAsn1 {
    X509_ALGOR* algorithm;
    ASN1_BIT_STRING* key;
};
ASN1_SEQUENCE(SpkiAsn1) = {
    ASN1_SIMPLE(SpkiAsn1, algorithm, X509_ALGOR),
    ASN1_SIMPLE(SpkiAsn1, key, ASN1_BIT_STRING),
} ASN1_SEQUENCE_END(SpkiAsn1)

template <const ASN1_ITEM* (*Item)()>
struct ItemFree {
    void operator()(void* value) const noexcept { ASN1_item_free(static_cast<ASN1_VALUE*>(value), Item()); }
};

template <typename T, const ASN1_ITEM* (*Item)()>
using ItemPtr = std::unique_ptr<T, ItemFree<Item>>;

// `der` decoded as T, or null when it is not one or has bytes after it.
template <typename T, const ASN1_ITEM* (*Item)()>
ItemPtr<T, Item> decode_all(ByteView der) {
    if (der.empty()) return nullptr;
    const unsigned char* p = der.data();
    ItemPtr<T, Item> value(reinterpret_cast<T*>(ASN1_item_d2i(nullptr, &p, static_cast<long>(der.size()), Item())));
    if (value && p != der.data() + der.size()) value.reset();
    return value;
}

template <const ASN1_ITEM* (*Item)()>
std::optional<Bytes> encode(const void* value) {
    unsigned char* out = nullptr;
    const int len = ASN1_item_i2d(static_cast<const ASN1_VALUE*>(value), &out, Item());
    if (len <= 0 || out == nullptr) return std::nullopt;
    OsslBytes owned(out);
    return Bytes(out, out + len);
}

using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD_free>>;
using ParamsPtr = std::unique_ptr<OSSL_PARAM, Deleter<OSSL_PARAM_free>>; // wipes what came from secure BIGNUMs

PkeyPtr from_params(const char* type, int selection, OSSL_PARAM_BLD* bld) {
    ParamsPtr params(OSSL_PARAM_BLD_to_param(bld));
    PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY* raw = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &raw, selection, params.get()) != 1)
        return nullptr;
    return PkeyPtr(raw);
}

// A BIT STRING of whole bytes (all SPKI keys and EC points are).
bool whole_bytes(const ASN1_BIT_STRING* bits) { return bits != nullptr && (bits->flags & 0x07) == 0; }

// The short name OpenSSL's EC key manager accepts ("prime256v1") of a named curve's OID.
const char* curve_name(const ASN1_OBJECT* curve) {
    const int nid = curve != nullptr ? OBJ_obj2nid(curve) : NID_undef;
    return nid != NID_undef ? OBJ_nid2sn(nid) : nullptr;
}

// Adds an EC key's curve and public point to `bld`; false when either is missing or unusable.
// The import that follows checks that the point lies on the curve.
bool push_ec_public(OSSL_PARAM_BLD* bld, const ASN1_OBJECT* curve, const ASN1_BIT_STRING* point) {
    const char* name = curve_name(curve);
    return name != nullptr && whole_bytes(point) &&
           OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, name, 0) == 1 &&
           OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point->data,
                                            static_cast<std::size_t>(point->length)) == 1;
}

std::optional<Bytes> spki(int algorithm, int parameter_type, void* parameter, ByteView key) {
    ItemPtr<SpkiAsn1, SpkiAsn1_it> s(reinterpret_cast<SpkiAsn1*>(ASN1_item_new(SpkiAsn1_it())));
    if (!s) return std::nullopt;
    if (X509_ALGOR_set0(s->algorithm, OBJ_nid2obj(algorithm), parameter_type, parameter) != 1) {
        ASN1_OBJECT_free(static_cast<ASN1_OBJECT*>(parameter));
        return std::nullopt;
    }
    if (ASN1_BIT_STRING_set(s->key, const_cast<unsigned char*>(key.data()), static_cast<int>(key.size())) != 1)
        return std::nullopt;
    // Without this flag OpenSSL counts the last byte's trailing zero bits as unused.
    s->key->flags = (s->key->flags & ~0x07L) | ASN1_STRING_FLAG_BITS_LEFT;
    return encode<SpkiAsn1_it>(s.get());
}

} // namespace

std::optional<PkeyPtr> rsa_or_ec_spki(ByteView der) {
    const auto s = decode_all<SpkiAsn1, SpkiAsn1_it>(der);
    if (!s) return PkeyPtr();
    const ASN1_OBJECT* oid = nullptr;
    int parameter_type = V_ASN1_UNDEF;
    const void* parameter = nullptr;
    X509_ALGOR_get0(&oid, &parameter_type, &parameter, s->algorithm);
    const int algorithm = OBJ_obj2nid(oid);
    if (algorithm == NID_rsaEncryption) {
        // RFC 8017 A.1: the parameters are NULL; OpenSSL also reads them absent.
        if ((parameter_type != V_ASN1_NULL && parameter_type != V_ASN1_UNDEF) || !whole_bytes(s->key))
            return PkeyPtr();
        return rsa_public_pkcs1(ByteView(s->key->data, static_cast<std::size_t>(s->key->length)));
    }
    if (algorithm != NID_X9_62_id_ecPublicKey || parameter_type != V_ASN1_OBJECT) return std::nullopt;
    ParamBldPtr bld(OSSL_PARAM_BLD_new());
    if (!bld || !push_ec_public(bld.get(), static_cast<const ASN1_OBJECT*>(parameter), s->key)) return PkeyPtr();
    return from_params("EC", EVP_PKEY_PUBLIC_KEY, bld.get());
}

PkeyPtr rsa_public_pkcs1(ByteView der) {
    const auto k = decode_all<RsaPublicAsn1, RsaPublicAsn1_it>(der);
    ParamBldPtr bld(OSSL_PARAM_BLD_new());
    if (!k || !bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, k->n) != 1 ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, k->e) != 1)
        return nullptr;
    return from_params("RSA", EVP_PKEY_PUBLIC_KEY, bld.get());
}

PkeyPtr rsa_private_pkcs1(ByteView der) {
    const auto k = decode_all<RsaPrivateAsn1, RsaPrivateAsn1_it>(der);
    ParamBldPtr bld(OSSL_PARAM_BLD_new());
    if (!k || k->version != 0 || !bld) return nullptr;
    const struct {
        const char* name;
        const BIGNUM* value;
    } numbers[] = {{OSSL_PKEY_PARAM_RSA_N, k->n},
                   {OSSL_PKEY_PARAM_RSA_E, k->e},
                   {OSSL_PKEY_PARAM_RSA_D, k->d},
                   {OSSL_PKEY_PARAM_RSA_FACTOR1, k->p},
                   {OSSL_PKEY_PARAM_RSA_FACTOR2, k->q},
                   {OSSL_PKEY_PARAM_RSA_EXPONENT1, k->dp},
                   {OSSL_PKEY_PARAM_RSA_EXPONENT2, k->dq},
                   {OSSL_PKEY_PARAM_RSA_COEFFICIENT1, k->qinv}};
    for (const auto& number : numbers)
        if (OSSL_PARAM_BLD_push_BN(bld.get(), number.name, number.value) != 1) return nullptr;
    return from_params("RSA", EVP_PKEY_KEYPAIR, bld.get());
}

std::optional<PkeyPtr> ec_private_sec1(ByteView der) {
    auto k = decode_all<EcPrivateAsn1, EcPrivateAsn1_it>(der);
    if (!k) return PkeyPtr();
    // The secret's bytes are wiped before the structure is freed.
    struct Wipe {
        ASN1_OCTET_STRING* s;
        ~Wipe() {
            if (s != nullptr && s->data != nullptr) OPENSSL_cleanse(s->data, static_cast<std::size_t>(s->length));
        }
    } wipe{k->secret};
    if (k->version != 1) return PkeyPtr();
    if (k->point == nullptr) return std::nullopt;
    SecretBnPtr secret(BN_secure_new());
    ParamBldPtr bld(OSSL_PARAM_BLD_new());
    if (!secret || !bld || !push_ec_public(bld.get(), k->curve, k->point) ||
        BN_bin2bn(k->secret->data, k->secret->length, secret.get()) == nullptr ||
        OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, secret.get()) != 1)
        return PkeyPtr();
    return from_params("EC", EVP_PKEY_KEYPAIR, bld.get());
}

std::optional<Bytes> rsa_or_ec_spki_der(const EVP_PKEY* pkey) {
    if (EVP_PKEY_is_a(pkey, "RSA")) {
        const SecretBnPtr n = bn_param(pkey, OSSL_PKEY_PARAM_RSA_N), e = bn_param(pkey, OSSL_PKEY_PARAM_RSA_E);
        if (!n || !e) return std::nullopt;
        const RsaPublicAsn1 k{n.get(), e.get()};
        const auto key = encode<RsaPublicAsn1_it>(&k);
        if (!key) return std::nullopt;
        return spki(NID_rsaEncryption, V_ASN1_NULL, nullptr, *key);
    }
    if (!EVP_PKEY_is_a(pkey, "EC")) return std::nullopt;
    char group[80] = {};
    std::size_t group_len = 0;
    std::size_t point_len = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &group_len) != 1 ||
        EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, nullptr, 0, &point_len) != 1)
        return std::nullopt;
    const int curve = OBJ_sn2nid(group);
    Bytes point(point_len);
    if (curve == NID_undef ||
        EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size(), &point_len) != 1)
        return std::nullopt;
    point.resize(point_len);
    return spki(NID_X9_62_id_ecPublicKey, V_ASN1_OBJECT, OBJ_nid2obj(curve), point);
}

} // namespace photon_dct::keys::detail
