// Internal to photon_dct_keys: the key structures Device OS stores (RSA and EC P-256), read and
// written with OpenSSL's ASN.1 templates and EVP_PKEY_fromdata / EVP_PKEY_get_*_param instead of
// OpenSSL 3's decoder and encoder framework. Setting up one decoder or encoder chain walks every
// algorithm of every provider: 0.07-0.3 ms each on OpenSSL 3.0, 15 to 50 times the cost of this
// path, and an `inspect` set up eight (issue 9: host time, tests/perf/RESULTS.md). Key types and
// file formats outside these (PKCS#8, other algorithms, explicit curve parameters) still go
// through the framework.
#pragma once

#include <optional>

#include "ossl.hpp"

namespace photon_dct::keys::detail {

// A SubjectPublicKeyInfo (RFC 5280 4.1.2.7) of exactly `der`. std::nullopt when its algorithm is
// neither rsaEncryption nor id-ecPublicKey on a named curve (the caller uses d2i_PUBKEY);
// a null key when the bytes are not a valid key of that algorithm.
std::optional<PkeyPtr> rsa_or_ec_spki(ByteView der);

// An RSAPublicKey (RFC 8017 A.1.1) of exactly `der`; null if it is not one.
PkeyPtr rsa_public_pkcs1(ByteView der);

// A two-prime (version 0) RSAPrivateKey (RFC 8017 A.1.2) of exactly `der`; null if it is not
// one. The numbers are not checked against each other here (pairwise_ok does that).
PkeyPtr rsa_private_pkcs1(ByteView der);

// A SEC1 ECPrivateKey (RFC 5915 3) of exactly `der` on a named curve. std::nullopt when it holds
// no public point (the caller lets OpenSSL's decoder derive it); null if it is not such a key.
std::optional<PkeyPtr> ec_private_sec1(ByteView der);

// The SubjectPublicKeyInfo DER of an RSA key or an EC key on a named curve (point uncompressed, as
// normalize() leaves it); std::nullopt for any other key (the caller uses i2d_PUBKEY).
std::optional<Bytes> rsa_or_ec_spki_der(const EVP_PKEY* pkey);

} // namespace photon_dct::keys::detail
