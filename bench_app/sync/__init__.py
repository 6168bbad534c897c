"""Moving facts between stations, the hub and other tools: sync, bundles, exports."""
