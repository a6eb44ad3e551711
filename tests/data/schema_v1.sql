-- A dutydesk database as schema version 1 wrote it (before the full-text index).
BEGIN TRANSACTION;
CREATE TABLE dutydesk_meta (
	"key" VARCHAR NOT NULL, 
	value VARCHAR NOT NULL, 
	PRIMARY KEY ("key")
);
INSERT INTO "dutydesk_meta" VALUES('schema_version','1');
CREATE TABLE log_entry (
	id INTEGER NOT NULL, 
	shift_id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	recorded_at DATETIME NOT NULL, 
	category VARCHAR NOT NULL, 
	severity VARCHAR NOT NULL, 
	text VARCHAR NOT NULL, 
	author_id INTEGER NOT NULL, 
	supersedes_id INTEGER, 
	PRIMARY KEY (id), 
	FOREIGN KEY(shift_id) REFERENCES shift (id), 
	FOREIGN KEY(author_id) REFERENCES supervisor (id), 
	UNIQUE (supersedes_id), 
	FOREIGN KEY(supersedes_id) REFERENCES log_entry (id)
);
INSERT INTO "log_entry" VALUES(1,1,'2026-01-05 01:00:00.000000','2026-01-05 01:00:00.000000','system_status','warning','CRM 登录缓慢，已通知 IT',1,NULL);
INSERT INTO "log_entry" VALUES(2,1,'2026-01-05 02:00:00.000000','2026-01-05 02:00:00.000000','event','info','Queue surge after the campaign mail-out',1,NULL);
CREATE TABLE shift (
	id INTEGER NOT NULL, 
	team VARCHAR NOT NULL, 
	slot_key VARCHAR NOT NULL, 
	supervisor_id INTEGER NOT NULL, 
	planned_start DATETIME NOT NULL, 
	planned_end DATETIME NOT NULL, 
	opened_at DATETIME NOT NULL, 
	closed_at DATETIME, 
	status VARCHAR NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(supervisor_id) REFERENCES supervisor (id)
);
INSERT INTO "shift" VALUES(1,'A','day',1,'2026-01-05 00:00:00.000000','2026-01-05 12:00:00.000000','2026-01-05 00:01:00.000000',NULL,'open');
CREATE TABLE supervisor (
	id INTEGER NOT NULL, 
	name VARCHAR NOT NULL, 
	display_name VARCHAR NOT NULL, 
	pin_hash VARCHAR NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "supervisor" VALUES(1,'wang','王伟','scrypt$16384$8$1$00$00','2026-01-05 00:00:00.000000');
CREATE UNIQUE INDEX ix_supervisor_name ON supervisor (name);
CREATE INDEX ix_shift_opened_at ON shift (opened_at);
CREATE UNIQUE INDEX ix_shift_one_open_per_team ON shift (team) WHERE status = 'open';
CREATE INDEX ix_log_entry_category ON log_entry (category);
CREATE INDEX ix_log_entry_shift_at ON log_entry (shift_id, at);
CREATE INDEX ix_log_entry_at ON log_entry (at);
COMMIT;
