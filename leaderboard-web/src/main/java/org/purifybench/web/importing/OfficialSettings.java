package org.purifybench.web.importing;

import io.micronaut.transaction.annotation.Transactional;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.Set;
import java.util.TreeSet;
import org.purifybench.web.board.DefenseSettings;
import org.purifybench.web.store.BoardVersionRepository;
import org.purifybench.web.store.OfficialSetting;
import org.purifybench.web.store.OfficialSettingRepository;
import org.purifybench.web.store.RunRecord;
import org.purifybench.web.store.RunRepository;

/**
 * The admin's choice of a defense's official parameter setting: that entry keeps the plain name and
 * is ranked, the defense's other settings become unranked variants (LeaderboardService).
 */
@Singleton
public class OfficialSettings {

    private final OfficialSettingRepository officials;
    private final RunRepository runs;
    private final BoardVersionRepository versions;

    public OfficialSettings(OfficialSettingRepository officials, RunRepository runs, BoardVersionRepository versions) {
        this.officials = officials;
        this.runs = runs;
        this.versions = versions;
    }

    /** One setting of a defense measured with several, for the admin page. */
    public record Choice(String defense, String fingerprint, String params, boolean official) {
        public String defensePath() {
            return org.purifybench.web.board.Urls.segment(defense);
        }
    }

    /** Every published setting of each defense that has more than one, the official one marked. */
    public java.util.List<Choice> choices() {
        java.util.Map<String, java.util.Map<String, DefenseSettings.Setting>> byDefense = new java.util.TreeMap<>();
        for (RunRecord r : runs.findByStatusOrderByImportedAtDesc(RunRecord.PUBLISHED)) {
            DefenseSettings.of(r.configJson()).forEach((defense, s) ->
                    byDefense.computeIfAbsent(defense, k -> new java.util.TreeMap<>()).putIfAbsent(s.fingerprint(), s));
        }
        java.util.Map<String, String> marked = new java.util.HashMap<>();
        officials.findAll().forEach(o -> marked.put(o.defense(), o.fingerprint()));
        java.util.List<Choice> out = new java.util.ArrayList<>();
        byDefense.forEach((defense, settings) -> {
            if (settings.size() > 1) {
                settings.forEach((fp, s) -> out.add(new Choice(defense, fp, s.paramsText(), fp.equals(marked.get(defense)))));
            }
        });
        return out;
    }

    /** The fingerprints a defense has in published runs. */
    public Set<String> publishedSettings(String defense) {
        Set<String> out = new TreeSet<>();
        for (RunRecord r : runs.findByStatusOrderByImportedAtDesc(RunRecord.PUBLISHED)) {
            DefenseSettings.Setting s = DefenseSettings.of(r.configJson()).get(defense);
            if (s != null) {
                out.add(s.fingerprint());
            }
        }
        return out;
    }

    /**
     * @throws IllegalArgumentException when no published run measured the defense at that setting
     */
    @Transactional
    public void mark(String defense, String fingerprint) {
        Set<String> known = publishedSettings(defense);
        if (!known.contains(fingerprint)) {
            throw new IllegalArgumentException("no published run measured '" + defense + "' with setting '" + fingerprint
                    + "'" + (known.isEmpty() ? " (it has no recorded settings)" : " - its settings: " + String.join(", ", known)));
        }
        OfficialSetting o = new OfficialSetting(defense, fingerprint, Instant.now());
        if (officials.existsById(defense)) {
            officials.update(o);
        } else {
            officials.save(o);
        }
        versions.bump();
    }

    /** @return false when the defense had no official setting */
    @Transactional
    public boolean clear(String defense) {
        if (!officials.existsById(defense)) {
            return false;
        }
        officials.deleteById(defense);
        versions.bump();
        return true;
    }
}
