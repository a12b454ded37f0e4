package org.fedmsg.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProjectRootTest {

  @Test
  void path_isTheDirectoryWithDocsConfAndTheParentPom() {
    assertThat(ProjectRoot.resolve("docs/configuration.md")).isRegularFile();
    assertThat(ProjectRoot.resolve("conf")).isDirectory();
    assertThat(ProjectRoot.resolve("testing/pom.xml")).isRegularFile();
  }

  @Test
  void locate_fromAModuleOrItsSubfolder_findsTheParent(@TempDir Path tmp) throws Exception {
    Files.writeString(tmp.resolve("pom.xml"), "<project><modules><module>a</module></modules></project>");
    Path module = Files.createDirectories(tmp.resolve("a/src/test"));
    Files.writeString(tmp.resolve("a/pom.xml"), "<project><parent/></project>");
    assertThat(ProjectRoot.locate(module)).isEqualTo(tmp);
    assertThat(ProjectRoot.locate(tmp.resolve("a"))).isEqualTo(tmp);
    assertThat(ProjectRoot.locate(tmp)).isEqualTo(tmp);
  }

  @Test
  void locate_withoutParentPom_fails(@TempDir Path tmp) {
    assertThatThrownBy(() -> ProjectRoot.locate(tmp.resolve("x"))).isInstanceOf(IllegalStateException.class);
  }
}
