"""r2repo publisher: writes signed APT and YUM/DNF repositories into a store."""
