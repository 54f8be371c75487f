package dev.jitaccess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The standard person key: one person under every spelling a lenient directory accepts, and no more. */
class PersonKeyTest {

  private static final PersonKey KEY = PersonKey.standard();
  private static final Locale TURKISH = Locale.forLanguageTag("tr");

  @ParameterizedTest(name = "{0} is {1}")
  @CsvSource({
      "user:bob, service:BOB",
      "user:Alice, user:alice",
      "user:\u212Aate, user:kate",
      "user:\uff42\uff4f\uff42, user:bob",
      "user:AL\u0130CE, user:alice",
      "user:al\u0131ce, user:ALICE",
      "user:stra\u00dfe, user:STRASSE",
      "user:STRA\u1e9eE, user:strasse",
      "user:\u03bf\u03b4\u03bf\u03c2, user:\u039f\u0394\u039f\u03a3",
      "user:Jos\u00e9, user:jose",
      "user:jose\u0301, user:jos\u00e9",
      "user:\ufb01ona, user:FIONA",
      "user:\ud801\udc00, user:\ud801\udc28",
  })
  void spellingsOfOneNameAreOnePerson(String a, String b) {
    assertThat(KEY.samePerson(subject(a), subject(b))).isTrue();
  }

  @ParameterizedTest(name = "{0} is not {1}")
  @CsvSource({
      "user:bob, user:rob",
      "user:alice, user:alicia",
      "user:a b, user:ab",
      // Cyrillic a: look-alikes of another script are other names to every directory
      "user:\u0430lice, user:alice",
      "user:ann, user:anne",
  })
  void differentNamesAreDifferentPeople(String a, String b) {
    assertThat(KEY.samePerson(subject(a), subject(b))).isFalse();
  }

  /**
   * Every code point that case mapping or normalisation changes has the key of each of its variants (upper,
   * lower, title case, Turkish case, decomposed), and a key is its own key. The basic multilingual plane by
   * default (nearly all case pairs are there); {@code -Djit.test.personKeyAllPlanes=true} sweeps them all.
   */
  @Test
  void theKeyOfEveryCodePointSurvivesCaseMappingAndNormalisation() {
    List<String> broken = new ArrayList<>();
    int last = Boolean.getBoolean("jit.test.personKeyAllPlanes") ? Character.MAX_CODE_POINT : 0xFFFF;
    for (int cp = Character.MIN_CODE_POINT; cp <= last; cp++) {
      if (Character.getType(cp) == Character.UNASSIGNED || Character.getType(cp) == Character.SURROGATE
          || Character.getType(cp) == Character.FORMAT || Character.isISOControl(cp)) {
        continue;
      }
      String c = Character.toString(cp);
      if (Character.toUpperCase(cp) == cp && Character.toLowerCase(cp) == cp && Character.toTitleCase(cp) == cp
          && c.toUpperCase(Locale.ROOT).equals(c) && Normalizer.isNormalized(c, Normalizer.Form.NFKD)) {
        continue; // nothing maps it to another spelling
      }
      String key = key(c);
      for (String variant : variants(c)) {
        if (!key(variant).equals(key)) {
          broken.add(String.format("U+%04X via %s", cp, variant));
        }
      }
    }
    assertThat(broken).isEmpty();
  }

  @Test
  void theKeyOfNamesSurvivesCaseMappingAndNormalisation() {
    String letters = "aIiSsKk\u0130\u0131\u00df\u1e9e\u212a\u03a3\u03c2\u03c3\u00e9\u0301\u0307\ufb01\uff21\u01c5 -.";
    Random random = new Random(12);
    List<String> broken = new ArrayList<>();
    for (int n = 0; n < Integer.getInteger("jit.test.personKeyNames", 2_000); n++) {
      StringBuilder name = new StringBuilder("x");
      for (int i = random.nextInt(8); i >= 0; i--) {
        name.append(letters.charAt(random.nextInt(letters.length())));
      }
      String key = key(name.toString());
      for (String variant : variants(name.toString())) {
        if (!key(variant).equals(key)) {
          broken.add(variant + ", a variant of " + name);
        }
      }
    }
    assertThat(broken).isEmpty();
  }

  @Test
  void theStandardKeyIsTheFoldedIdWhateverTheKind() {
    assertThat(KEY.of(Subject.service("Jos\u00e9"))).isEqualTo(KEY.of(Subject.user("JOSE"))).isEqualTo("jose");
  }

  @Test
  void aKeyThatAnswersNullIsAFailureNotAStranger() {
    PersonKey broken = s -> s.id().equals("bob") ? null : s.id();

    assertThatThrownBy(() -> broken.samePerson(Subject.user("alice"), Subject.user("bob")))
        .isInstanceOf(JitAccessException.class).hasMessageContaining("user:bob");
  }

  private static List<String> variants(String s) {
    List<String> variants = new ArrayList<>(List.of(key(s), s.toUpperCase(Locale.ROOT), s.toLowerCase(Locale.ROOT),
        s.toUpperCase(TURKISH), s.toLowerCase(TURKISH), Normalizer.normalize(s, Normalizer.Form.NFD),
        Normalizer.normalize(s, Normalizer.Form.NFKC)));
    if (s.codePointCount(0, s.length()) == 1) {
      int cp = s.codePointAt(0);
      variants.add(Character.toString(Character.toUpperCase(cp)));
      variants.add(Character.toString(Character.toLowerCase(cp)));
      variants.add(Character.toString(Character.toTitleCase(cp)));
    }
    return variants;
  }

  /** The key of an id, also of strings that are no valid id (a lone mark, a space): their variants need not be. */
  private static String key(String id) {
    return StandardPersonKey.fold(id);
  }

  /** {@code user:bob} or {@code service:bob} as a subject. */
  static Subject subject(String text) {
    int colon = text.indexOf(':');
    return new Subject(Subject.Kind.valueOf(text.substring(0, colon).toUpperCase(Locale.ROOT)),
        text.substring(colon + 1));
  }
}
