"""The working calendar: Vietnam's holidays and make-up days with the administrator's own
adjustments, the one calendar every working-day deadline and schedule counts with."""
