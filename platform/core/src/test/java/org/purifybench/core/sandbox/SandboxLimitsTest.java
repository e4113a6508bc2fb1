package org.purifybench.core.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A run's default wall limit per defense job scales with its matrix, within 10 minutes and 24 hours. */
class SandboxLimitsTest {

    @Test
    void theWallLimitIsTenTrainingsOfTheMatrixModelAtAPessimisticSpeed() {
        // standard profile: cnn-small, 10,000 images, 5 epochs at 100 images/s = 500 s per training
        assertEquals(Duration.ofSeconds(5000), SandboxLimits.matrixWall(10_000, 5, "cnn-small"));
        // a ResNet at 10 images/s: 50,000 images x 100 epochs would be 58 days - capped at a day
        assertEquals(Duration.ofHours(24), SandboxLimits.matrixWall(50_000, 100, "preact-resnet18"));
        assertEquals(Duration.ofSeconds(10 * 2_000 * 3 / 10), SandboxLimits.matrixWall(2_000, 3, "preact-resnet18"));
        // the quick profile's tiny matrix still gets 10 minutes (a child JVM's start alone takes seconds)
        assertEquals(Duration.ofMinutes(10), SandboxLimits.matrixWall(600, 3, "cnn-small"));
    }

    @Test
    void aGivenWallLimitWins() {
        System.setProperty("purifybench.sandbox.wall", "PT7M");
        try {
            assertEquals(Duration.ofMinutes(7), SandboxLimits.fromSystemProperties(Duration.ofHours(3)).wall());
        } finally {
            System.clearProperty("purifybench.sandbox.wall");
        }
        assertEquals(Duration.ofHours(3), SandboxLimits.fromSystemProperties(Duration.ofHours(3)).wall());
    }
}
