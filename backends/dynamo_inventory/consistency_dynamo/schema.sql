-- The parts of Dynamo's MySQL schema the consistency checker reads and writes.
-- Tests and the benchmark create it; a real installation already has it.
-- InnoDB, so that a batch of queue rows is committed whole or not at all (Dynamo's own
-- tables were MyISAM: there every write is still idempotent, but not atomic per batch).
-- `groups` and `delete` are reserved words: always quoted.

CREATE TABLE IF NOT EXISTS `sites` (
  `id` int unsigned NOT NULL AUTO_INCREMENT,
  `name` varchar(32) NOT NULL,
  `host` varchar(256) NOT NULL DEFAULT '',
  `storage_type` enum('disk','mss','buffer','unknown') NOT NULL DEFAULT 'disk',
  `backend` varchar(256) NOT NULL DEFAULT '',
  `status` enum('ready','waitroom','morgue','unknown') NOT NULL DEFAULT 'ready',
  PRIMARY KEY (`id`),
  UNIQUE KEY `name` (`name`)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS `groups` (
  `id` int unsigned NOT NULL AUTO_INCREMENT,
  `name` varchar(32) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `name` (`name`)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS `datasets` (
  `id` int unsigned NOT NULL AUTO_INCREMENT,
  `name` varchar(512) NOT NULL,
  `status` enum('UNKNOWN','DELETED','DEPRECATED','INVALID','PRODUCTION','VALID','IGNORED') NOT NULL DEFAULT 'UNKNOWN',
  PRIMARY KEY (`id`),
  UNIQUE KEY `name` (`name`)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS `blocks` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `dataset_id` int unsigned NOT NULL,
  `name` varchar(128) NOT NULL,
  `size` bigint NOT NULL DEFAULT 0,
  `num_files` int NOT NULL DEFAULT 0,
  `is_open` tinyint(1) NOT NULL DEFAULT 0,
  `last_update` datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (`id`),
  UNIQUE KEY `dataset_block` (`dataset_id`, `name`)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS `files` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `block_id` bigint unsigned NOT NULL,
  `size` bigint NOT NULL,
  `name` varchar(512) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `name` (`name`),
  KEY `block` (`block_id`)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS `block_replicas` (
  `block_id` bigint unsigned NOT NULL,
  `site_id` int unsigned NOT NULL,
  `group_id` int unsigned NOT NULL,
  `is_custodial` tinyint(1) NOT NULL DEFAULT 0,
  `last_update` datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
  `is_complete` tinyint(1) NOT NULL DEFAULT 0,
  PRIMARY KEY (`block_id`, `site_id`),
  KEY `site` (`site_id`)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS `block_replica_files` (
  `block_id` bigint unsigned NOT NULL,
  `site_id` int unsigned NOT NULL,
  `file_id` bigint unsigned NOT NULL,
  PRIMARY KEY (`block_id`, `site_id`, `file_id`),
  KEY `site` (`site_id`)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS `dataset_replicas` (
  `dataset_id` int unsigned NOT NULL,
  `site_id` int unsigned NOT NULL,
  `growing` tinyint(1) NOT NULL DEFAULT 0,
  `group_id` int unsigned NOT NULL DEFAULT 0,
  PRIMARY KEY (`dataset_id`, `site_id`),
  KEY `site` (`site_id`)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS `file_subscriptions` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `file_id` bigint unsigned NOT NULL,
  `site_id` int unsigned NOT NULL,
  `status` enum('new','inbatch','done','retry','held','cancelled') NOT NULL DEFAULT 'new',
  `created` datetime NOT NULL,
  `last_update` datetime DEFAULT NULL,
  `delete` tinyint(1) unsigned NOT NULL,
  `hold_reason` enum('no_source','all_failed','site_unavailable') DEFAULT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `subscription` (`file_id`, `site_id`, `delete`),
  KEY `site` (`site_id`)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS `file_pre_subscriptions` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `file_name` varchar(512) NOT NULL,
  `site_name` varchar(32) NOT NULL,
  `created` datetime NOT NULL,
  `delete` tinyint(1) unsigned NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `subscription` (`file_name`, `site_name`, `delete`)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS `deletion_queue` (
  `reqid` int unsigned NOT NULL DEFAULT 0,
  `file` varchar(512) NOT NULL,
  `site` varchar(32) NOT NULL,
  `status` enum('new','done','failed','inbatch') NOT NULL DEFAULT 'new',
  `created` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  UNIQUE KEY `file` (`file`, `site`)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS `transfer_queue` (
  `reqid` int unsigned NOT NULL DEFAULT 0,
  `file` varchar(512) NOT NULL,
  `site_from` varchar(32) NOT NULL,
  `site_to` varchar(32) NOT NULL,
  `status` enum('new','done','failed','inbatch','instage','staged') NOT NULL DEFAULT 'new',
  `created` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  UNIQUE KEY `file` (`file`, `site_from`, `site_to`)
) ENGINE=InnoDB;

CREATE TABLE IF NOT EXISTS `local_invalidations` (
  `site` varchar(32) NOT NULL,
  `lfn` varchar(512) NOT NULL,
  `created` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
  UNIQUE KEY `site_lfn` (`site`, `lfn`)
) ENGINE=InnoDB;
