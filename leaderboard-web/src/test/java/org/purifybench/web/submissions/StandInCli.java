package org.purifybench.web.submissions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.purifybench.web.ResultsDocuments;

/**
 * A stand-in for the PurifyBench CLI with the real command's contract, for the queue and state
 * tests (the real CLI needs the platform's build and minutes; {@code RealCliSubmissionTest} uses it).
 * It takes the same arguments and checks them, prints what the real one prints, and writes a
 * results.json in the real format (a {@link ResultsDocuments} fixture, with the run id derived from
 * the --description like the real run id from the config hash).
 *
 * <p>What it does with an uploaded "jar" depends on words in its bytes (a test's upload is a few
 * bytes of text): {@code defense=ID}; {@code refuse} (admission refuses it), {@code two-plugins},
 * {@code fail} (the run fails), {@code wrong-jar} (its results name another jar), {@code hang} (the run never ends), {@code hang-once} (the first run
 * hangs, the next one succeeds). Each run writes its shell's pid to {@code DIR/pids}, each started run
 * a line to {@code DIR/runs.log}.
 */
public final class StandInCli {
    private StandInCli() {
    }

    /** Writes the script and the results fixture under {@code dir}; returns the script. */
    public static Path write(Path dir, String defense) throws IOException {
        Files.createDirectories(dir);
        Path fixture = dir.resolve("results-fixture.json");
        com.fasterxml.jackson.databind.node.ObjectNode doc = ResultsDocuments.run("RUN_ID_PLACEHOLDER").profile("quick").noCurves()
                .result("none", "badnet", 0, 0.91, 0.97, 0.96)
                .result(defense, "badnet", 0, 0.89, 0.04, 0.31).tree();
        // as the real run writes them: the matrix's description in the config, the jar's SHA-256 in the plug-ins
        ((com.fasterxml.jackson.databind.node.ObjectNode) doc.get("config")).put("description", "DESCRIPTION_PLACEHOLDER");
        for (com.fasterxml.jackson.databind.JsonNode p : doc.get("plugins")) {
            if (p.get("id").asText().equals(defense)) {
                ((com.fasterxml.jackson.databind.node.ObjectNode) p).put("sha256", "JAR_SHA_PLACEHOLDER").put("source", "submission.jar");
            }
        }
        Files.writeString(fixture, doc.toString());
        Path script = dir.resolve("purifybench-stand-in");
        Files.writeString(script, """
                #!/usr/bin/env bash
                # stand-in for ./purifybench (see StandInCli.java)
                set -u
                state=%s
                fixture=%s
                fail() { echo "stand-in: $*" >&2; exit 2; }
                if [ "${1:-}" = admit ]; then
                  [ $# -eq 3 ] && [ "$3" = --json ] || fail "usage: admit JAR --json, got: $*"
                  jar=$2
                  [ -f "$jar" ] || fail "no jar $jar"
                  echo "loading $jar" >&2
                  sha=$(sha256sum "$jar" | cut -d' ' -f1)
                  id=$(grep -o 'defense=[a-z0-9-]*' "$jar" | head -n 1 | cut -d= -f2)
                  if grep -q refuse "$jar"; then
                    printf '{"format":1,"jar":"%%s","accepted":false,"stage":"admission","reason":"its entry %%s is not a normalised relative name","fix":"build the jar with the jar tool or Maven"}\\n' "$jar" "'../../evil.class'"
                    exit 1
                  fi
                  extra=""
                  if grep -q two-plugins "$jar"; then
                    extra=',{"kind":"attack","id":"sneaky","version":"1","needs":[],"sha256":"'$sha'"}'
                  fi
                  printf '{"format":1,"jar":"%%s","accepted":true,"sha256":"%%s","plugins":[{"kind":"defense","id":"%%s","version":"0.9","needs":["CLEAN_TUNING_DATA"],"sha256":"%%s"}%%s]}\\n' "$jar" "$sha" "$id" "$sha" "$extra"
                  exit 0
                fi
                # --work-dir W run (--profile P | --matrix F) --plugin JAR --submissions EMPTY --defenses none,ID --description TEXT --quiet
                [ "${1:-}" = --work-dir ] || fail "expected --work-dir first, got: $*"
                work=$2; shift 2
                [ "${1:-}" = run ] || fail "expected run, got: $*"; shift
                case "${1:-}" in --profile|--matrix) shift 2 ;; *) fail "expected --profile or --matrix, got: $*" ;; esac
                [ "${1:-}" = --plugin ] && [ -f "${2:-}" ] || fail "expected --plugin JAR, got: $*"; jar=$2; shift 2
                [ "${1:-}" = --submissions ] && [ -d "${2:-}" ] && [ -z "$(ls -A "$2")" ] || fail "expected --submissions EMPTY_DIR, got: $*"; shift 2
                id=$(grep -o 'defense=[a-z0-9-]*' "$jar" | head -n 1 | cut -d= -f2)
                [ "${1:-}" = --defenses ] && [ "${2:-}" = "none,$id" ] || fail "expected --defenses none,$id, got: $*"; shift 2
                [ "${1:-}" = --description ] || fail "expected --description, got: $*"; description=$2; shift 2
                [ "${1:-}" = --quiet ] && [ $# -eq 1 ] || fail "expected --quiet last, got: $*"
                echo $$ >> "$state/pids"
                echo "$description" >> "$state/runs.log"
                run="quick-$(printf '%%s' "$description" | sha256sum | cut -c1-12)"
                echo "purifybench: running profile 'quick' (run $run)"
                echo "loading plug-in jar $jar"
                marker="$state/hung-$(sha256sum "$jar" | cut -c1-16)"
                if grep -q hang-once "$jar" && [ ! -e "$marker" ]; then touch "$marker"; sleep 600; fi
                if grep -q 'hang$' "$jar" || grep -q 'hang ' "$jar"; then sleep 600; fi
                if grep -q fail "$jar"; then
                  printf 'progress \\033[31mred\\033[0m\\r50%%%%\\rdone\\n'
                  echo "error: defense '$id' failed in the sandbox (failed: exit code 1): java.lang.IllegalStateException: boom - fix the defense and run again"
                  exit 1
                fi
                mkdir -p "$work/runs/$run"
                sha=$(sha256sum "$jar" | cut -d' ' -f1)
                grep -q wrong-jar "$jar" && sha=0000000000000000000000000000000000000000000000000000000000000000
                sed "s/RUN_ID_PLACEHOLDER/$run/g; s|DESCRIPTION_PLACEHOLDER|$description|; s/JAR_SHA_PLACEHOLDER/$sha/" "$fixture" > "$work/runs/$run/results.json"
                echo "results: $work/runs/$run/results.json"
                exit 0
                """.formatted(dir.toString(), fixture.toString()), StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }
}
