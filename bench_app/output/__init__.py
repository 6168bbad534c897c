"""What leaves the bench on paper or as a file: labels, printers, signed erasure
certificates, lot reports, handover sheets and exports."""
