/**
 * Runs are expected at least daily. More than 48 h between two consecutive sealed runs (complete or
 * partial) means at least one whole day went unobserved: a leaver's access or a new AI grant could
 * have come and gone unseen, so the span is reported as a gap rather than bridged.
 */
export const MISSED_DAYS_AFTER_HOURS = 48;
