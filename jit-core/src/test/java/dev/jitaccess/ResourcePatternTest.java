package dev.jitaccess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jitaccess.internal.Validate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ResourcePatternTest {

  @ParameterizedTest(name = "{0} ~ {1}: {2}")
  @CsvSource({
      // exact
      "prod/db/orders,    prod/db/orders,      true",
      "prod/db/orders,    prod/db/order,       false",
      "prod/db/orders,    prod/db/orders/x,    false",
      "prod/db/orders,    Prod/db/orders,      false",
      "prod,              prod,                true",
      // one segment
      "prod/*/orders,     prod/db/orders,      true",
      "prod/*/orders,     prod/orders,         false",
      "prod/*/orders,     prod/a/b/orders,     false",
      "prod/*,            prod,                false",
      "*,                 prod,                true",
      "*,                 prod/db,             false",
      // any number of segments, at the end
      "prod/**,           prod,                true",
      "prod/**,           prod/db,             true",
      "prod/**,           prod/db/orders/x,    true",
      "prod/**,           production,          false",
      "prod/**,           staging/prod,        false",
      // at the start
      "**/orders,         orders,              true",
      "**/orders,         prod/db/orders,      true",
      "**/orders,         prod/db/orders/x,    false",
      "**/orders,         prod/db/myorders,    false",
      // in the middle
      "prod/**/orders,    prod/orders,         true",
      "prod/**/orders,    prod/db/orders,      true",
      "prod/**/orders,    prod/a/b/c/orders,   true",
      "prod/**/orders,    prod/a/b/c/order,    false",
      "prod/**/orders,    staging/db/orders,   false",
      // mixed
      "**,                a/b/c,               true",
      "*/**/*,            a,                   false",
      "*/**/*,            a/b,                 true",
      "a/**/b/**/c,       a/b/x/b/c,           true",
      "a/**/b/**/c,       a/c/b,               false",
      "**/a/*/b,          a/a/x/b,             true",
      "**/**/x,           x,                   true",
  })
  void matches(String pattern, String name, boolean expected) {
    assertThat(ResourcePattern.of(pattern).matches(name)).isEqualTo(expected);
  }

  @Test
  void exactPatternIsExactAndWildcardPatternIsNot() {
    assertThat(ResourcePattern.of("prod/db/orders").isExact()).isTrue();
    assertThat(ResourcePattern.of("prod/*/orders").isExact()).isFalse();
    assertThat(ResourcePattern.of("prod/**").text()).isEqualTo("prod/**");
    assertThat(ResourcePattern.of("prod/**")).isEqualTo(ResourcePattern.of("prod/**")).hasToString("prod/**");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "orders-*", "*orders", "prod/db-*/x", "prod/***", "a/*b", "**x",
  })
  void partialWildcardsAreRejected(String pattern) {
    assertThatThrownBy(() -> ResourcePattern.parse("resource", pattern)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("resource");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "..", ".", "prod/..", "prod/../secrets", "prod/./db", "./prod",
      "prod//db", "/prod", "prod/", "/", "//",
      "prod/d b", " prod", "prod ", "prod\tdb", "prod/\u00a0", "prod/a\u2028b", "prod/a\u3000b",
      "prod\\db", "prod/a\u0000b", "prod/a\u001bb", "prod/a\u007fb", "prod/a\u0085b",
      "prod/a\u202eb", "prod/a\u200bb", "prod/a\u2066b", "prod/\ufeffdb",
      "prod/a\ud800", "prod/\udc00a", "prod/a\ud800b",
      "prod/\ue000", "prod/\uffff",
  })
  void invalidNamesAndPatternsAreRejectedNamingTheField(String text) {
    assertThatThrownBy(() -> ResourcePattern.parse("resource", text)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("resource");
    assertThatThrownBy(() -> ResourcePattern.requireName("name", text)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("name");
    assertThat(ResourcePattern.isName(text)).isFalse();
  }

  @Test
  void nullAndBlankAreRejected() {
    assertThatThrownBy(() -> ResourcePattern.of(null)).hasMessage("resource must not be null");
    assertThatThrownBy(() -> ResourcePattern.of("")).hasMessage("resource must not be blank");
    assertThatThrownBy(() -> ResourcePattern.of("   ")).hasMessage("resource must not be blank");
    assertThat(ResourcePattern.isName(null)).isFalse();
    assertThat(ResourcePattern.isName("")).isFalse();
  }

  @Test
  void wildcardsAreNotNames() {
    assertThat(ResourcePattern.isName("prod/*")).isFalse();
    assertThat(ResourcePattern.isName("prod/**")).isFalse();
    assertThatThrownBy(() -> ResourcePattern.requireName("resource", "prod/*"))
        .hasMessageContaining("concrete name");
  }

  @Test
  void nonAsciiLettersAndPunctuationAreAllowed() {
    for (String name : new String[] {"prod/db/orders-2024_v1.bak", "prod/données", "prod/e\u0301t\u00e9", "a:b@c+d"}) {
      assertThat(ResourcePattern.isName(name)).as(name).isTrue();
      assertThat(ResourcePattern.requireName("resource", name)).isEqualTo(name);
      assertThat(ResourcePattern.of(name).matches(name)).isTrue();
    }
  }

  @Test
  void lengthIsBoundedByMaxResourceLength() {
    String longest = "a/" + "b".repeat(Validate.MAX_RESOURCE_LENGTH - 2);
    String tooLong = longest + "c";

    assertThat(ResourcePattern.isName(longest)).isTrue();
    assertThat(ResourcePattern.of(longest).text()).isEqualTo(longest);
    assertThat(ResourcePattern.isName(tooLong)).isFalse();
    assertThatThrownBy(() -> ResourcePattern.of(tooLong)).hasMessageContaining("at most " + Validate.MAX_RESOURCE_LENGTH);
  }

  @Test
  void segmentCountIsBoundedByMaxSegments() {
    String most = segments("a", Validate.MAX_SEGMENTS);
    String tooMany = segments("a", Validate.MAX_SEGMENTS + 1);

    assertThat(ResourcePattern.isName(most)).isTrue();
    assertThat(ResourcePattern.of(most).matches(most)).isTrue();
    assertThat(ResourcePattern.isName(tooMany)).isFalse();
    assertThatThrownBy(() -> ResourcePattern.of(tooMany)).hasMessageContaining("at most " + Validate.MAX_SEGMENTS);
    assertThatThrownBy(() -> ResourcePattern.of(segments("**", Validate.MAX_SEGMENTS + 1)))
        .hasMessageContaining("segments");
  }

  @Test
  void pathologicalPatternsAgainstLongNamesFinish() {
    String manyAny = segments("**", Validate.MAX_SEGMENTS - 1) + "/x";
    String alternating = segments("**/a", 15) + "/b";
    String starsAndAny = segments("*/**", 15) + "/z";
    String longName = segments("a", Validate.MAX_SEGMENTS);
    String wideName = segments("a".repeat(14), Validate.MAX_SEGMENTS);

    assertThat(ResourcePattern.of(manyAny).matches(longName)).isFalse();
    assertThat(ResourcePattern.of(manyAny).matches(segments("a", Validate.MAX_SEGMENTS - 1) + "/x")).isTrue();
    assertThat(ResourcePattern.of(alternating).matches(longName)).isFalse();
    assertThat(ResourcePattern.of(alternating).matches(segments("a", 31) + "/b")).isTrue();
    assertThat(ResourcePattern.of(starsAndAny).matches(longName)).isFalse();
    assertThat(ResourcePattern.of(starsAndAny).matches(wideName)).isFalse();
    for (int i = 0; i < 10_000; i++) {
      ResourcePattern.of(alternating).matches(longName);
    }
  }

  @Test
  void matchesAgreesWithAReferenceMatcherOnSeededRandomInputs() {
    Random random = new Random(20240611L);
    String[] patternSegments = {"a", "b", "*", "**"};
    String[] nameSegments = {"a", "b"};
    for (int i = 0; i < 20_000; i++) {
      String[] p = randomSegments(random, patternSegments, 1 + random.nextInt(6));
      String[] n = randomSegments(random, nameSegments, 1 + random.nextInt(7));
      String pattern = String.join("/", p);
      String name = String.join("/", n);

      assertThat(ResourcePattern.of(pattern).matches(name)).as("%s ~ %s", pattern, name)
          .isEqualTo(referenceMatches(p, 0, n, 0));
    }
  }

  @ParameterizedTest(name = "{0} covers {1}: {2}")
  @CsvSource({
      "prod/**,        prod/db/**,       true",
      "prod/**,        prod/**,          true",
      "prod/**,        prod/*,           true",
      "prod/**,        prod/*/orders,    true",
      "prod/**,        prod/**/orders,   true",
      "prod/**,        prod,             true",
      "**,             **,               true",
      "**,             */x/**,           true",
      "prod/*/**,      prod/db/**,       true",
      "prod/*/**,      prod/*/**,        true",
      "prod/*,         prod/*,           true",
      "prod/*,         prod/db,          true",
      "*/*,            prod/*,           true",
      "prod/db/**/**,  prod/db/x/**,     true",
      "**/orders,      **/orders,        true",
      "**/orders,      prod/**/orders,   true",
      "**/orders,      */orders,         true",
      "a/**/b/**/c,    a/b/**/b/c,       true",
      "prod/db,        prod/db,          true",
      "prod/*,         prod/**,          false",
      "prod/*,         prod/*/x,         false",
      "prod/*,         prod,             false",
      "prod/db/**,     prod/**,          false",
      "prod/db/**,     prod/*/**,        false",
      "prod/db/**,     **,               false",
      "prod/*/**,      prod/**,          false",
      "prod/*/**,      **/db/**,         false",
      "prod/db,        prod/*,           false",
      "prod/db,        prod/db/**,       false",
      "prod/db/*,      prod/db/*/x,      false",
      "**/orders,      **/orders/**,     false",
      // Sound, not complete: both mean "one segment or more"; the answer errs on the safe side.
      "*/**,           **/*,             false",
  })
  void coversOnlyWhenEveryNameOfTheOtherIsMatched(String pattern, String other, boolean expected) {
    assertThat(ResourcePattern.of(pattern).covers(ResourcePattern.of(other))).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} intersects {1}: {2}")
  @CsvSource({
      "prod/db/payments,  prod/db/*,          true",
      "prod/db/payments,  prod/db/**,         true",
      "prod/db/payments,  **/payments,        true",
      "prod/db/payments,  prod/*/payments,    true",
      "prod/db/payments,  **,                 true",
      "prod/db/payments,  prod/db/payments,   true",
      "prod/db/payments,  prod/db/orders,     false",
      "prod/db/payments,  prod/*,             false",
      "prod/db/payments,  prod/db/*/**/*,     false",
      "prod/**,           **/orders,          true",
      "a/**,              **/b,               true",
      "a/*/c,             */b/*,              true",
      "a/*/c,             */b/d,              false",
      "*/**,              **/*,               true",
      "a/**/b,            a/**/c,             false",
      "a/**/b/**,         **/c/**/b,          true",
      "*,                 */*,                false",
      "*,                 **,                 true",
      "prod/**,           staging/**,         false",
  })
  void intersectsWhenSomeNameIsMatchedByBoth(String pattern, String other, boolean expected) {
    ResourcePattern p = ResourcePattern.of(pattern);
    ResourcePattern q = ResourcePattern.of(other);

    assertThat(p.intersects(q)).isEqualTo(expected);
    assertThat(q.intersects(p)).isEqualTo(expected);
  }

  @Test
  void intersectsIsExactAndCoversIsSoundAgainstEveryShortNameOnSeededRandomPatterns() {
    // Patterns of three segments that share a name share one of at most four segments over these, plus one
    // segment neither names ("x").
    List<String> universe = new ArrayList<>();
    for (int length = 1; length <= 4; length++) {
      for (String[] name : allNames(new String[] {"a", "b", "x"}, length)) {
        universe.add(String.join("/", name));
      }
    }
    Random random = new Random(20261203L);
    String[] patternSegments = {"a", "b", "*", "**"};
    int covered = 0;
    for (int i = 0; i < 20_000; i++) {
      ResourcePattern p = ResourcePattern.of(String.join("/", randomSegments(random, patternSegments, 1 + random.nextInt(3))));
      ResourcePattern q = ResourcePattern.of(String.join("/", randomSegments(random, patternSegments, 1 + random.nextInt(3))));
      boolean shared = false;
      boolean included = true;
      for (String name : universe) {
        boolean inQ = q.matches(name);
        shared |= inQ && p.matches(name);
        included &= !inQ || p.matches(name);
      }

      assertThat(p.intersects(q)).as("%s intersects %s", p, q).isEqualTo(shared);
      if (p.covers(q)) {
        covered++;
        assertThat(included).as("%s covers %s, yet a name of the second escapes the first", p, q).isTrue();
      }
    }
    assertThat(covered).isGreaterThan(1_000);
  }

  @Test
  void comparingTheLongestPatternsFinishes() {
    String alternating = segments("**/a", 15) + "/b";
    String stars = segments("*/**", 15) + "/b";

    for (int i = 0; i < 1_000; i++) {
      ResourcePattern.of(alternating).intersects(ResourcePattern.of(stars));
      ResourcePattern.of(alternating).covers(ResourcePattern.of(stars));
    }
    assertThat(ResourcePattern.of(alternating).intersects(ResourcePattern.of(stars))).isTrue();
    assertThat(ResourcePattern.of(stars).covers(ResourcePattern.of(alternating))).isFalse();
  }

  @Test
  void isNameAgreesWithRequireNameOnSeededRandomStrings() {
    String[] alphabet = {
        "a", "b", "Z", "0", "-", "_", ".", "..", "/", "//", "*", "**", " ", "\t", "\n", "\u0000", "\u007f",
        "\u0085", "\u00a0", "\u2028", "\u2029", "\u3000", "\u200b", "\u200d", "\u202e", "\u2066", "\ufeff",
        "\ud800", "\udc00", "\ud83d\ude00", "\ue000", "\uffff", "\\", "\u00e9", "e\u0301", "\u0430",
    };
    Random random = new Random(42L);
    int names = 0;
    for (int i = 0; i < 500; i++) {
      StringBuilder sb = new StringBuilder();
      int tokens = random.nextInt(8);
      for (int t = 0; t < tokens; t++) {
        sb.append(alphabet[random.nextInt(alphabet.length)]);
      }
      String s = sb.toString();
      boolean accepted;
      try {
        ResourcePattern.requireName("resource", s);
        accepted = true;
      } catch (IllegalArgumentException e) {
        accepted = false;
      }

      assertThat(ResourcePattern.isName(s)).as("isName(%s)", Validate.show(s)).isEqualTo(accepted);
      if (accepted) {
        names++;
        assertThat(ResourcePattern.of(s).isExact()).isTrue();
        assertThat(ResourcePattern.of(s).matches(s)).isTrue();
      }
    }
    assertThat(names).as("the alphabet must produce some valid names too").isGreaterThan(20);
  }

  private static String segments(String segment, int count) {
    String[] parts = new String[count];
    Arrays.fill(parts, segment);
    return String.join("/", parts);
  }

  private static List<String[]> allNames(String[] alphabet, int length) {
    List<String[]> out = new ArrayList<>();
    if (length == 0) {
      out.add(new String[0]);
      return out;
    }
    for (String[] prefix : allNames(alphabet, length - 1)) {
      for (String segment : alphabet) {
        String[] name = Arrays.copyOf(prefix, length);
        name[length - 1] = segment;
        out.add(name);
      }
    }
    return out;
  }

  private static String[] randomSegments(Random random, String[] choices, int count) {
    String[] out = new String[count];
    for (int i = 0; i < count; i++) {
      out[i] = choices[random.nextInt(choices.length)];
    }
    return out;
  }

  /** Plain recursive glob over segments: exponential, but obviously right for short inputs. */
  private static boolean referenceMatches(String[] p, int i, String[] n, int j) {
    if (i == p.length) {
      return j == n.length;
    }
    if (p[i].equals("**")) {
      for (int k = j; k <= n.length; k++) {
        if (referenceMatches(p, i + 1, n, k)) {
          return true;
        }
      }
      return false;
    }
    return j < n.length && (p[i].equals("*") || p[i].equals(n[j])) && referenceMatches(p, i + 1, n, j + 1);
  }
}
