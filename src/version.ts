/** Version printed by `pcap-pipeline --version`; kept here so the binary needs no file reads. */
export const VERSION = "0.1.0";
