-- The time zone in which a company's people read instants (activity, last used, created):
-- an IANA name checked by the domain. The books' dates stay plain dates.
ALTER TABLE companies ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
