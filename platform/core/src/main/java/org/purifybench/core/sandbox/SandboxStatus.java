package org.purifybench.core.sandbox;

/** How a sandboxed job ended. */
public enum SandboxStatus {
    /** The child wrote a model and it passed validation. */
    OK("ok"),
    /** The plug-in threw, or the child exited with an error code. */
    FAILED("failed"),
    /** The defense's descriptor() does not say what its jar's descriptor file declares: nothing of purify ran. */
    DESCRIPTOR_MISMATCH("descriptor mismatch"),
    /** The wall-clock or CPU-time limit was reached and the child was killed. */
    TIMEOUT("timeout"),
    /** A memory limit was reached (heap, direct buffers, ND4J off-heap, address space). */
    MEMORY("killed (memory)"),
    /** The child ended without a usable model: none, wrong architecture, non-finite values, malformed or oversized file. */
    INVALID_OUTPUT("invalid output"),
    /** The sandbox could not be set up on this machine: nothing of the plug-in ran. */
    UNAVAILABLE("sandbox unavailable");

    private final String label;

    SandboxStatus(String label) {
        this.label = label;
    }

    /** As shown in logs and messages. */
    public String label() {
        return label;
    }
}
