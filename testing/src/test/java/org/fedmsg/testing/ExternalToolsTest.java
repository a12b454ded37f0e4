package org.fedmsg.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

class ExternalToolsTest {
  private static final String NO_SUCH_TOOL = "fedmsg-no-such-tool-7f3a9c";

  @Test
  void missingTool_withoutSwitch_skipsTheTest() {
    assertThatThrownBy(() -> ExternalTools.require(NO_SUCH_TOOL, ExternalTools.find(NO_SUCH_TOOL), "hint", false))
        .isInstanceOf(TestAbortedException.class).hasMessageContaining(NO_SUCH_TOOL).hasMessageContaining("hint");
  }

  @Test
  void missingTool_withSwitch_failsTheTest() {
    assertThatThrownBy(() -> ExternalTools.require(NO_SUCH_TOOL, ExternalTools.find(NO_SUCH_TOOL), "hint", true))
        .isInstanceOf(AssertionError.class).isNotInstanceOf(TestAbortedException.class)
        .hasMessageContaining(NO_SUCH_TOOL).hasMessageContaining(ExternalTools.SWITCH);
  }

  @Test
  void presentTool_isReturnedWhateverTheSwitch() {
    Path sh = ExternalTools.find("sh").orElseThrow();
    assertThat(ExternalTools.require("sh", Optional.of(sh), "hint", true)).isEqualTo(sh);
    assertThat(ExternalTools.require("sh", Optional.of(sh), "hint", false)).isEqualTo(sh);
  }

  @Test
  void find_rejectsPathsAndUnknownNames() {
    assertThat(ExternalTools.find(NO_SUCH_TOOL)).isEmpty();
    assertThat(ExternalTools.find("/bin/sh")).isEmpty();
  }
}
