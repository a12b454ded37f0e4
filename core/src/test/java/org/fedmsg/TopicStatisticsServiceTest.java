package org.fedmsg;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TopicStatisticsServiceTest {
  private static final String BASE = "org.fedoraproject.prod.";

  @Test
  void ownEnvironment_tokenAfterTheBase() {
    assertThat(Topic.statisticsService(BASE, "org.fedoraproject.prod.pkgdb.package.update")).isEqualTo("pkgdb");
    assertThat(Topic.statisticsService(BASE, "org.fedoraproject.prod.koji")).isEqualTo("koji");
  }

  @Test
  void otherEnvironment_fourthToken() {
    assertThat(Topic.statisticsService(BASE, "org.fedoraproject.stg.bodhi.update.request")).isEqualTo("bodhi");
  }

  @Test
  void shortTopic_itsFirstToken() {
    assertThat(Topic.statisticsService(BASE, "heartbeat")).isEqualTo("heartbeat");
    assertThat(Topic.statisticsService(BASE, "a.b")).isEqualTo("a");
  }
}
