package org.fedmsg.crypto;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.bouncycastle.math.ec.rfc7748.X25519;

/**
 * A CURVE (X25519) key pair for ZeroMQ's CURVE mechanism, usually read from the ZPL files that
 * {@code fedmsg-certs curve} writes (czmq's {@code zcert} format): {@code <name>.curve} with the
 * public key and {@code <name>.curve_secret} with both keys.
 *
 * <p>The secret key never leaves this object except as a fresh copy for a socket option
 * ({@link #secretKey()}); {@link #toString()} shows the public key's fingerprint only. Key
 * comparisons run in constant time. Immutable and thread-safe.
 */
public final class CurveKeyPair {
  private static final SecureRandom RANDOM = new SecureRandom();

  private final byte[] publicKey;
  private final byte[] secretKey;
  private final String name;

  private CurveKeyPair(byte[] publicKey, byte[] secretKey, String name) {
    this.publicKey = publicKey;
    this.secretKey = secretKey;
    this.name = name;
  }

  /**
   * A fresh random key pair (for clients that only need an ephemeral identity, and for tests).
   *
   * @param name a label for logs, e.g. the service name
   * @return the key pair
   */
  public static CurveKeyPair generate(String name) {
    byte[] secret = new byte[X25519.SCALAR_SIZE];
    RANDOM.nextBytes(secret);
    byte[] pub = new byte[X25519.POINT_SIZE];
    X25519.scalarMultBase(secret, 0, pub, 0);
    return new CurveKeyPair(pub, secret, Objects.requireNonNull(name, "name"));
  }

  /**
   * Reads a key pair from ZPL files. The secret file holds both keys; the public file, when given,
   * must hold the same public key; the secret key must produce that public key.
   *
   * @param publicFile the {@code .curve} file, or null to read the public key from the secret file only
   * @param secretFile the {@code .curve_secret} file
   * @return the key pair, named after the file's {@code metadata/name} or else the file name
   * @throws IllegalArgumentException when a file is unreadable, is not ZPL with valid Z85 keys, or the keys
   *     do not belong together (the message never contains key material)
   */
  public static CurveKeyPair load(Path publicFile, Path secretFile) {
    Map<String, String> secretZpl = readZpl(secretFile);
    byte[] secret = key(secretZpl, "curve/secret-key", secretFile);
    byte[] pub = key(secretZpl, "curve/public-key", secretFile);
    byte[] derived = new byte[X25519.POINT_SIZE];
    X25519.scalarMultBase(secret, 0, derived, 0);
    if (!MessageDigest.isEqual(derived, pub)) {
      throw new IllegalArgumentException(secretFile + ": the secret key does not match the public key in it");
    }
    if (publicFile != null) {
      byte[] listed = readPublicKey(publicFile);
      if (!MessageDigest.isEqual(listed, pub)) {
        throw new IllegalArgumentException(publicFile + ": its public key is not the one of " + secretFile);
      }
    }
    String name = secretZpl.getOrDefault("metadata/name", baseName(secretFile));
    return new CurveKeyPair(pub, secret, name);
  }

  /**
   * Reads the public key of a ZPL certificate file ({@code curve/public-key}).
   *
   * @param file a {@code .curve} (or {@code .curve_secret}) file
   * @return the 32 key bytes
   * @throws IllegalArgumentException when the file is unreadable or holds no valid public key
   */
  public static byte[] readPublicKey(Path file) {
    return key(readZpl(file), "curve/public-key", file);
  }

  /**
   * The {@code metadata/name} of a ZPL certificate file, if it has one.
   *
   * @param file a {@code .curve} file
   * @return the name, or empty
   * @throws IllegalArgumentException when the file is unreadable
   */
  public static Optional<String> readName(Path file) {
    return Optional.ofNullable(readZpl(file).get("metadata/name"));
  }

  /** The public key, 32 bytes (a copy). */
  public byte[] publicKey() {
    return publicKey.clone();
  }

  /** The public key as Z85 text, to hand to peers. */
  public String publicKeyZ85() {
    return Z85.encodeKey(publicKey);
  }

  /**
   * The secret key, 32 bytes: a fresh copy for a socket option. Never log or print it.
   *
   * @return a copy the caller should clear after use
   */
  public byte[] secretKey() {
    return secretKey.clone();
  }

  /** The label of this key pair (ZPL {@code metadata/name}, or the name given to {@link #generate}). */
  public String name() {
    return name;
  }

  /** The fingerprint of the public key ({@link Z85#fingerprint(byte[])}). */
  public String fingerprint() {
    return Z85.fingerprint(publicKey);
  }

  /**
   * Whether {@code other} is this pair's public key, compared in constant time.
   *
   * @param other 32 bytes
   * @return true when equal
   */
  public boolean hasPublicKey(byte[] other) {
    return MessageDigest.isEqual(publicKey, other);
  }

  @Override
  public String toString() {
    return "CurveKeyPair[" + name + ", " + fingerprint() + "]";
  }

  private static byte[] key(Map<String, String> zpl, String path, Path file) {
    String text = zpl.get(path);
    if (text == null) {
      throw new IllegalArgumentException(file + ": no " + path + " entry (not a CURVE certificate?)");
    }
    return Z85.decodeKey(text).orElseThrow(
        () -> new IllegalArgumentException(file + ": " + path + " is not 40 characters of Z85"));
  }

  private static String baseName(Path file) {
    String n = file.getFileName().toString();
    int dot = n.indexOf('.');
    return dot > 0 ? n.substring(0, dot) : n;
  }

  /**
   * The values of a ZPL file (czmq {@code zcert} format; ZeroMQ RFC 4 syntax) by path, e.g. {@code curve/public-key},
   * {@code metadata/name}; unmodifiable. Includes the secret key when the file holds one: for
   * inspection tools that must say whether it is there, never print it.
   *
   * @throws IllegalArgumentException when the file is unreadable, too large or not ZPL
   */
  public static Map<String, String> readZpl(Path file) {
    List<String> lines;
    try {
      if (Files.size(file) > 64 * 1024) {
        throw new IllegalArgumentException(file + ": too large for a CURVE certificate");
      }
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
    }
    Map<String, String> out = new LinkedHashMap<>();
    String[] stack = new String[16];
    for (String raw : lines) {
      String line = raw.stripTrailing();
      if (line.isBlank() || line.stripLeading().startsWith("#")) {
        continue;
      }
      int indent = 0;
      while (indent < line.length() && line.charAt(indent) == ' ') {
        indent++;
      }
      int level = indent / 4;
      if (indent % 4 != 0 || level >= stack.length) {
        throw new IllegalArgumentException(file + ": bad ZPL indentation");
      }
      String body = line.substring(indent);
      int eq = body.indexOf('=');
      String name = (eq < 0 ? body : body.substring(0, eq)).strip();
      stack[level] = name;
      Arrays.fill(stack, level + 1, stack.length, null);
      if (eq >= 0) {
        String value = body.substring(eq + 1).strip();
        if (value.length() >= 2 && (value.charAt(0) == '"' || value.charAt(0) == '\'')
            && value.charAt(value.length() - 1) == value.charAt(0)) {
          value = value.substring(1, value.length() - 1);
        }
        StringBuilder path = new StringBuilder();
        for (int i = 0; i <= level; i++) {
          if (i > 0) {
            path.append('/');
          }
          path.append(stack[i]);
        }
        out.put(path.toString(), value);
      }
    }
    return java.util.Collections.unmodifiableMap(out);
  }
}
