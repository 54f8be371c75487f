package dev.jitaccess.credential;

import jakarta.annotation.Nullable;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.SecretKey;

/**
 * One key with its algorithm pinned: a verifier checks a token's {@code alg} against the key its {@code kid}
 * names, so a token never chooses how it is checked (an HS256 token "signed" with a public key finds an ES256
 * key and is refused). Immutable and thread-safe: each call takes a fresh {@link Signature}. Not API.
 */
abstract sealed class JwsKey {

  /** The JWS {@code alg} this key signs and verifies, and no other. */
  final SigningKeys.Algorithm algorithm;

  private JwsKey(SigningKeys.Algorithm algorithm) {
    this.algorithm = algorithm;
  }

  /** The signature over the ASCII signing input {@code header.payload}. */
  final byte[] sign(String signingInput) {
    return sign(ascii(signingInput));
  }

  /** Whether {@code signature} is this key's canonical signature over the signing input. */
  final boolean verify(String signingInput, byte[] signature) {
    return verify(ascii(signingInput), signature);
  }

  /** The signature over these bytes: a token's signing input, or a {@link ByteSignatures} payload. */
  abstract byte[] sign(byte[] data);

  /** Whether {@code signature} is this key's canonical signature over these bytes. */
  abstract boolean verify(byte[] data, byte[] signature);

  /** The public JWK members (RFC 7517/7518/8037), without {@code kid}; null for a secret key. */
  @Nullable
  abstract Map<String, Object> publicJwk();

  static byte[] ascii(String signingInput) {
    return signingInput.getBytes(StandardCharsets.US_ASCII);
  }

  /** HS256: the MAC, compared in constant time. */
  static final class Hmac extends JwsKey {
    private final SecretKey key;

    Hmac(SecretKey key) {
      super(SigningKeys.Algorithm.HS256);
      this.key = key;
    }

    @Override
    byte[] sign(byte[] data) {
      return Jws.sign(key, data);
    }

    @Override
    boolean verify(byte[] data, byte[] signature) {
      return MessageDigest.isEqual(sign(data), signature);
    }

    @Override
    @Nullable
    Map<String, Object> publicJwk() {
      return null; // a shared secret is never published
    }
  }

  /** ES256 (P-256, SHA-256) or EdDSA (Ed25519): a JDK signature of fixed length. */
  static final class Asymmetric extends JwsKey {
    /** P-256's group order n, and n / 2: a signature with s above it is the malleated twin of a valid one. */
    private static final BigInteger P256_N =
        new BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);
    private static final BigInteger P256_HALF_N = P256_N.shiftRight(1);
    /** The fixed X.509 SubjectPublicKeyInfo prefix of an Ed25519 key, followed by its 32 bytes. */
    private static final byte[] ED25519_SPKI_PREFIX = {
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
    static final int SIGNATURE_BYTES = 64;
    static final int COORDINATE_BYTES = 32;

    private final PublicKey publicKey;
    @Nullable private final PrivateKey privateKey;

    Asymmetric(SigningKeys.Algorithm algorithm, PublicKey publicKey, @Nullable PrivateKey privateKey) {
      super(algorithm);
      this.publicKey = publicKey;
      this.privateKey = privateKey;
    }

    @Override
    byte[] sign(byte[] data) {
      if (privateKey == null) {
        throw new IllegalStateException("this key has no private part and cannot sign");
      }
      try {
        Signature signer = Signature.getInstance(algorithm.jcaName);
        signer.initSign(privateKey);
        signer.update(data);
        byte[] signature = signer.sign();
        return algorithm == SigningKeys.Algorithm.ES256 ? lowS(signature) : signature;
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(algorithm.jcaName + " is not available", e);
      }
    }

    @Override
    boolean verify(byte[] data, byte[] signature) {
      if (signature.length != SIGNATURE_BYTES) {
        return false;
      }
      if (algorithm == SigningKeys.Algorithm.ES256 && !isCanonicalEcdsa(signature)) {
        return false;
      }
      try {
        Signature verifier = Signature.getInstance(algorithm.jcaName);
        verifier.initVerify(publicKey);
        verifier.update(data);
        return verifier.verify(signature);
      } catch (GeneralSecurityException e) {
        return false; // a signature the provider cannot even parse is no signature
      }
    }

    @Override
    Map<String, Object> publicJwk() {
      Map<String, Object> jwk = new LinkedHashMap<>();
      if (algorithm == SigningKeys.Algorithm.ES256) {
        ECPoint w = ((ECPublicKey) publicKey).getW();
        jwk.put("kty", "EC");
        jwk.put("crv", "P-256");
        jwk.put("x", Jws.encode(unsigned(w.getAffineX())));
        jwk.put("y", Jws.encode(unsigned(w.getAffineY())));
      } else {
        byte[] spki = publicKey.getEncoded();
        jwk.put("kty", "OKP");
        jwk.put("crv", "Ed25519");
        jwk.put("x", Jws.encode(Arrays.copyOfRange(spki, spki.length - COORDINATE_BYTES, spki.length)));
      }
      jwk.put("alg", algorithm.jwsName);
      jwk.put("use", "sig");
      return jwk;
    }

    /** r and s in [1, n - 1], and s at most n / 2 (the JDK verifier accepts both s and n - s). */
    private static boolean isCanonicalEcdsa(byte[] signature) {
      BigInteger r = new BigInteger(1, Arrays.copyOfRange(signature, 0, COORDINATE_BYTES));
      BigInteger s = new BigInteger(1, Arrays.copyOfRange(signature, COORDINATE_BYTES, SIGNATURE_BYTES));
      return r.signum() > 0 && r.compareTo(P256_N) < 0 && s.signum() > 0 && s.compareTo(P256_HALF_N) <= 0;
    }

    /** The JDK signs with either s; the verifiers (ours among them) want the low one. */
    private static byte[] lowS(byte[] signature) {
      BigInteger s = new BigInteger(1, Arrays.copyOfRange(signature, COORDINATE_BYTES, SIGNATURE_BYTES));
      if (s.compareTo(P256_HALF_N) <= 0) {
        return signature;
      }
      byte[] low = signature.clone();
      System.arraycopy(unsigned(P256_N.subtract(s)), 0, low, COORDINATE_BYTES, COORDINATE_BYTES);
      return low;
    }

    /** A P-256 key from its JWK coordinates, refused unless the point lies on the curve. */
    static PublicKey p256(byte[] x, byte[] y) throws GeneralSecurityException {
      if (x.length != COORDINATE_BYTES || y.length != COORDINATE_BYTES) {
        throw new GeneralSecurityException("P-256 coordinates must be 32 bytes each");
      }
      ECParameterSpec params = p256Parameters();
      BigInteger px = new BigInteger(1, x);
      BigInteger py = new BigInteger(1, y);
      BigInteger p = ((ECFieldFp) params.getCurve().getField()).getP();
      BigInteger a = params.getCurve().getA();
      BigInteger b = params.getCurve().getB();
      if (px.compareTo(p) >= 0 || py.compareTo(p) >= 0
          || !py.multiply(py).subtract(px.pow(3).add(a.multiply(px)).add(b)).mod(p).equals(BigInteger.ZERO)) {
        throw new GeneralSecurityException("the point is not on P-256");
      }
      return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(new ECPoint(px, py), params));
    }

    /** An Ed25519 key from its 32 JWK bytes. */
    static PublicKey ed25519(byte[] x) throws GeneralSecurityException {
      if (x.length != COORDINATE_BYTES) {
        throw new GeneralSecurityException("an Ed25519 key must be 32 bytes");
      }
      byte[] spki = Arrays.copyOf(ED25519_SPKI_PREFIX, ED25519_SPKI_PREFIX.length + COORDINATE_BYTES);
      System.arraycopy(x, 0, spki, ED25519_SPKI_PREFIX.length, COORDINATE_BYTES);
      return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
    }

    static ECParameterSpec p256Parameters() throws GeneralSecurityException {
      AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
      parameters.init(new ECGenParameterSpec("secp256r1"));
      return parameters.getParameterSpec(ECParameterSpec.class);
    }

    /** Big-endian, left-padded to 32 bytes. */
    private static byte[] unsigned(BigInteger value) {
      byte[] raw = value.toByteArray();
      byte[] out = new byte[COORDINATE_BYTES];
      int n = Math.min(raw.length, COORDINATE_BYTES);
      System.arraycopy(raw, raw.length - n, out, COORDINATE_BYTES - n, n);
      return out;
    }
  }
}
