package io.densefractal.report;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ChartsTest {
  @Test
  void compactNumbersUseSiSuffixesAndFourDigitsAtMost() {
    assertThat(Charts.compactNumber(0)).isEqualTo("0");
    assertThat(Charts.compactNumber(812)).isEqualTo("812");
    assertThat(Charts.compactNumber(0.25)).isEqualTo("0.25");
    assertThat(Charts.compactNumber(1_000)).isEqualTo("1k");
    assertThat(Charts.compactNumber(1_500_000)).isEqualTo("1.5M");
    assertThat(Charts.compactNumber(25_557_032)).isEqualTo("25.56M");
    assertThat(Charts.compactNumber(4.089e9)).isEqualTo("4.089G");
    assertThat(Charts.compactNumber(-2e6)).isEqualTo("-2M");
    assertThat(Charts.compactNumber(3e12)).isEqualTo("3T");
  }

  @Test
  void headlessIsSetWithoutOverridingAChoice() {
    Charts.headless();
    assertThat(System.getProperty("java.awt.headless")).isNotNull();
  }
}
