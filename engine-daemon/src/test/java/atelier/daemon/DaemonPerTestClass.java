package atelier.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import atelier.bridge.client.AtelierClient;
import atelier.bridge.thrift.Operation;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * One real daemon on loopback for all tests of a class, and after each test the proof that
 * whatever the test sent, the same daemon still answers.
 */
public abstract class DaemonPerTestClass {

    @TempDir
    static Path home;
    protected static DaemonFixture fixture;

    @BeforeAll
    static void startDaemon() throws Exception {
        fixture = new DaemonFixture(home);
    }

    @AfterAll
    static void stopDaemon() {
        fixture.close();
    }

    @AfterEach
    void daemonStillAnswers() throws Exception {
        try (AtelierClient client = fixture.client()) {
            assertEquals(Operation.values().length, client.capabilities().getOperationsSize());
        }
    }
}
