package atelier.bridge.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AtelierHomeTest {

    private static final Path USER = Path.of("/home/ana");

    @Test
    void linuxFollowsXdgDefaults() {
        AtelierHome home = AtelierHome.forEnvironment(Map.of(), "Linux", USER);
        assertEquals(Path.of("/home/ana/.config/atelier/token"), home.tokenFile());
        assertEquals(Path.of("/home/ana/.local/state/atelier/spool"), home.spoolDir());
        assertEquals(Path.of("/home/ana/.local/share/atelier/models"), home.modelDir());
    }

    @Test
    void linuxHonoursXdgVariables() {
        AtelierHome home = AtelierHome.forEnvironment(Map.of("XDG_CONFIG_HOME", "/cfg", "XDG_STATE_HOME", "/st"), "Linux", USER);
        assertEquals(Path.of("/cfg/atelier/token"), home.tokenFile());
        assertEquals(Path.of("/st/atelier/spool"), home.spoolDir());
    }

    @Test
    void atelierHomeOverridesEverything() {
        AtelierHome home = AtelierHome.forEnvironment(Map.of("ATELIER_HOME", "/tmp/a", "XDG_CONFIG_HOME", "/cfg"), "Linux", USER);
        assertEquals(Path.of("/tmp/a/config/token"), home.tokenFile());
    }

    @Test
    void macAndWindowsUseTheirOwnPlaces() {
        assertEquals(Path.of("/home/ana/Library/Application Support/Atelier/token"),
                AtelierHome.forEnvironment(Map.of(), "Mac OS X", USER).tokenFile());
        assertEquals(Path.of("/roaming/Atelier/token"),
                AtelierHome.forEnvironment(Map.of("APPDATA", "/roaming"), "Windows 11", USER).tokenFile());
    }
}
