package dev.jitaccess.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link Validate#isId}, the change feed's check of untrusted hints, takes exactly what {@link Validate#id} takes. */
class ValidateIdTest {

  @ParameterizedTest
  @ValueSource(strings = {"g", "3f2c9e1a-8b7d-4c6e-9f01-23456789abcd", "user:alice", "a b", "\u00e9t\u00e9", "\uD83D\uDE00"})
  void anIdIdTakesIsAnId(String value) {
    assertThatCode(() -> Validate.id("id", value)).doesNotThrowAnyException();
    assertThat(Validate.isId(value)).isTrue();
    assertThat(Validate.isId(value + "x".repeat(Validate.MAX_ID_LENGTH - value.length()))).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", " a", "a ", "a\u0001b", "a\nb", "a\u202Eb", "a\u200Bb", "a\u2028b", "\uD83D",
      "\uDE00a", "a\uDB80\uDC00"})
  void whatIdRefusesIsNoId(String value) {
    assertThatThrownBy(() -> Validate.id("id", value)).isInstanceOf(IllegalArgumentException.class);
    assertThat(Validate.isId(value)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(ints = {Validate.MAX_ID_LENGTH + 1, 10_000})
  void anIdTooLongIsNoId(int length) {
    assertThat(Validate.isId("a".repeat(length))).isFalse();
    assertThat(Validate.isId(null)).isFalse();
  }
}
