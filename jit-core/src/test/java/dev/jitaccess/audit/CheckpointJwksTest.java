package dev.jitaccess.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitaccess.audit.AuditLogVerifier.Kind;
import dev.jitaccess.audit.AuditLogVerifier.Options;
import dev.jitaccess.audit.AuditLogVerifier.Result;
import dev.jitaccess.credential.ByteSignatures;
import dev.jitaccess.credential.SigningKeys;
import dev.jitaccess.credential.SigningKeys.Algorithm;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints signed with {@link SigningKeys} key pairs, verified from a JWKS by kid with the alg pinned. */
class CheckpointJwksTest {

  static final KeyPair EC_1 = SigningKeys.generateKeyPair(Algorithm.ES256);
  static final KeyPair ED_2 = SigningKeys.generateKeyPair(Algorithm.EDDSA);
  static final SigningKeys KEYS = SigningKeys.builder().keyPair("ck-1", EC_1).build();

  @TempDir
  Path temp;

  Path logDir() {
    return temp.resolve("log");
  }

  Path witnessFile() {
    return temp.resolve("witness").resolve(DirectoryCheckpointWitness.FILE_NAME);
  }

  CheckpointWitness witness() {
    return CheckpointWitness.directory(temp.resolve("witness"));
  }

  void writeLog(SigningKeys keys, int events) {
    try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(logDir()).maxFileSize(4096)
        .durability(JsonLinesAuditSink.Durability.OS_BUFFERED).checkpoints(keys, witness())
        .checkpointEvery(10, Duration.ofHours(1)).build()) {
      for (int i = 0; i < events; i++) {
        sink.write(TestEvents.event(i));
      }
    }
  }

  Result verify(String jwks) throws IOException {
    return AuditLogVerifier.verify(List.of(logDir()),
        Options.DEFAULT.withCheckpoints(CheckpointKeys.fromJwks(jwks), witness()));
  }

  /** Replaces the witness's line {@code index} (0-based) by the same checkpoint signed with {@code keys}. */
  void resign(int index, SigningKeys keys) throws IOException {
    List<String> lines = new ArrayList<>(Files.readAllLines(witnessFile()));
    AuditCheckpoint c = AuditCheckpoint.parse(lines.get(index));
    lines.set(index, AuditCheckpoint.sign(c.seq(), c.hash(), c.file(), c.time(), c.previous(), keys).toLine());
    Files.write(witnessFile(), lines);
  }

  @Test
  void anEs256CheckpointedLogVerifiesFromTheJwksAndEachCheckpointRecordsItsKidAndAlg() throws IOException {
    writeLog(KEYS, 40);

    List<AuditCheckpoint> checkpoints = witness().read();
    assertThat(checkpoints).isNotEmpty().allSatisfy(c -> {
      assertThat(c.kid()).isEqualTo("ck-1");
      assertThat(c.alg()).isEqualTo("ES256");
      assertThat(AuditCheckpoint.parse(c.toLine())).isEqualTo(c);
    });
    Result result = verify(KEYS.publicJwks());
    assertThat(result.proven()).as("%s", result).isTrue();
  }

  @Test
  void theCommandLineTakesAJwksFile() throws IOException {
    writeLog(KEYS, 30);
    Path jwks = temp.resolve("jwks.json");
    Files.writeString(jwks, KEYS.publicJwks());
    String[] args = {"verify", "--checkpoint-jwks", jwks.toString(), "--witness", witnessFile().getParent().toString(),
        logDir().toString()};
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(AuditLogVerifier.run(args, new PrintStream(out), new PrintStream(new ByteArrayOutputStream()))).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("OK");

    resign(0, SigningKeys.builder().keyPair("ck-1", SigningKeys.generateKeyPair(Algorithm.ES256)).build());
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertThat(AuditLogVerifier.run(args, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err)))
        .isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("BROKEN: CHECKPOINT_FORGED");

    String[] both = {"verify", "--checkpoint-jwks", jwks.toString(), "--checkpoint-key", "x", "--witness",
        witnessFile().getParent().toString(), logDir().toString()};
    assertThat(AuditLogVerifier.run(both, new PrintStream(new ByteArrayOutputStream()),
        new PrintStream(new ByteArrayOutputStream()))).isEqualTo(2);
  }

  // ---------------------------------------------------------------- the attacker, who has the log, not the key

  @Test
  void aCheckpointReSignedWithAKeyNotInTheJwksIsForgedUnderItsOwnKidOrAnother() throws IOException {
    writeLog(KEYS, 40);
    String jwks = KEYS.publicJwks();
    resign(1, SigningKeys.builder().keyPair("ck-1", SigningKeys.generateKeyPair(Algorithm.ES256)).build());

    Result sameKid = verify(jwks);
    assertThat(sameKid.ok()).as("%s", sameKid).isFalse();
    assertThat(sameKid.problem().kind()).isEqualTo(Kind.CHECKPOINT_FORGED);
    assertThat(sameKid.problem().line()).isEqualTo(2);

    resign(1, SigningKeys.builder().keyPair("evil", SigningKeys.generateKeyPair(Algorithm.EDDSA)).build());
    Result unknownKid = verify(jwks);
    assertThat(unknownKid.problem().kind()).isEqualTo(Kind.CHECKPOINT_FORGED);
    assertThat(unknownKid.problem().message()).contains("kid evil");
  }

  @Test
  void aCheckpointClaimingAnotherAlgForItsKidIsForged() throws IOException {
    writeLog(KEYS, 40);
    // The attacker's own Ed25519 key under the kid of the published ES256 key: alg EdDSA is signed, and wrong.
    resign(0, SigningKeys.builder().keyPair("ck-1", ED_2).build());
    Result result = verify(KEYS.publicJwks());
    assertThat(result.problem().kind()).isEqualTo(Kind.CHECKPOINT_FORGED);
    assertThat(result.problem().message()).contains("kid ck-1, alg EdDSA");

    // Even a genuine signature does not verify under another alg than its key's, HS256 keyed with the JWKS included.
    ByteSignatures.PublicKeys keys = ByteSignatures.PublicKeys.parse(KEYS.publicJwks());
    byte[] body = "{\"seq\":1}".getBytes(StandardCharsets.UTF_8);
    byte[] signature = ByteSignatures.sign(KEYS, body);
    assertThat(keys.verifies("ck-1", "ES256", body, signature)).isTrue();
    assertThat(keys.verifies("ck-1", "EdDSA", body, signature)).isFalse();
    assertThat(keys.verifies("ck-1", "HS256", body, signature)).isFalse();
    assertThat(keys.verifies("ck-2", "ES256", body, signature)).isFalse();
  }

  @Test
  void theHighSTwinOfAnEs256CheckpointSignatureIsForged() throws IOException {
    writeLog(KEYS, 20);
    List<String> lines = new ArrayList<>(Files.readAllLines(witnessFile()));
    AuditCheckpoint c = AuditCheckpoint.parse(lines.get(0));
    byte[] sig = Base64.getDecoder().decode(c.signature());
    BigInteger n = new BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);
    byte[] twinS = n.subtract(new BigInteger(1, Arrays.copyOfRange(sig, 32, 64))).toByteArray();
    byte[] twin = Arrays.copyOf(sig, 64);
    Arrays.fill(twin, 32, 64, (byte) 0);
    int len = Math.min(twinS.length, 32);
    System.arraycopy(twinS, twinS.length - len, twin, 64 - len, len);
    lines.set(0, new AuditCheckpoint(c.seq(), c.hash(), c.file(), c.time(), c.previous(), c.kid(), c.alg(),
        Base64.getEncoder().encodeToString(twin)).toLine());
    Files.write(witnessFile(), lines);

    assertThat(verify(KEYS.publicJwks()).problem().kind()).isEqualTo(Kind.CHECKPOINT_FORGED);
  }

  @Test
  void aCheckpointWithoutKidIsForgedUnderAJwks() throws IOException {
    try (JsonLinesAuditSink sink = JsonLinesAuditSink.builder(logDir())
        .checkpoints(SignedCheckpointTest.KEY.getPrivate(), witness()).build()) {
      sink.write(TestEvents.event(1));
    }
    assertThat(verify(KEYS.publicJwks()).problem().kind()).isEqualTo(Kind.CHECKPOINT_FORGED);
  }

  // ---------------------------------------------------------------- keys

  @Test
  void checkpointsSignedBySuccessiveKeysVerifyWhileBothAreInTheJwks() throws IOException {
    writeLog(KEYS, 25);
    SigningKeys rotated = SigningKeys.builder().keyPair("ck-1", EC_1).keyPair("ck-2", ED_2).active("ck-2").build();
    writeLog(rotated, 25);
    assertThat(witness().read()).extracting(AuditCheckpoint::kid).contains("ck-1", "ck-2");

    Result result = verify(rotated.publicJwks());
    assertThat(result.proven()).as("%s", result).isTrue();

    // Dropping the old key while its checkpoints are in the witness leaves them unproven.
    String newOnly = SigningKeys.builder().keyPair("ck-2", ED_2).build().publicJwks();
    Result dropped = verify(newOnly);
    assertThat(dropped.problem().kind()).isEqualTo(Kind.CHECKPOINT_FORGED);
    assertThat(dropped.problem().line()).isEqualTo(1);
  }

  @Test
  void anEdDsaKeyPairsCheckpointsAlsoVerifyWithItsBarePublicKey() throws IOException {
    writeLog(SigningKeys.builder().keyPair("ck-2", ED_2).build(), 20);
    Result result = AuditLogVerifier.verify(List.of(logDir()),
        Options.DEFAULT.withCheckpoints(ED_2.getPublic(), witness()));
    assertThat(result.proven()).as("%s", result).isTrue();
  }

  @Test
  void theSinkRefusesAnHs256SecretForCheckpoints() {
    SigningKeys hmac = SigningKeys.generate("mac-1");
    assertThatThrownBy(() -> JsonLinesAuditSink.builder(logDir()).checkpoints(hmac, witness()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("checkpointKeys")
        .hasMessageContaining("HS256").hasMessageContaining("mac-1");
  }
}
