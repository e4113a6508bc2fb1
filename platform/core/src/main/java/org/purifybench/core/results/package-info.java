/**
 * The results file of a run (results.json) and the reports built from it. The file is the single
 * durable output of a run, so everything here aims at two things: a stable, documented format
 * (see docs/results-schema.md) and reports that can be regenerated from the file alone.
 */
package org.purifybench.core.results;
