<?php
/**
 * Sets up the test wiki in one process (each maintenance script would cost a PHP start):
 * reads a JSON plan on stdin and, in order, creates accounts (with a password and groups
 * when given), sets user options, makes edits (as a named account, or as an IP address
 * when "ip" is given) and adds pages to watchlists.
 *
 * Run as: php /usr/share/mediawiki/maintenance/runScript.php mediawiki_setup.php --conf LocalSettings.php
 *
 * {"users": [{"name", "password"?, "groups"?, "options"?: {name: value}}],
 *  "edits": [{"title", "text", "user"? | "ip"?, "summary"}],
 *  "watch": [{"user", "title"}]}
 */

use MediaWiki\Auth\AuthManager;
use MediaWiki\MediaWikiServices;

class OutreachHelperTestSetup extends Maintenance {
	public function execute() {
		$plan = json_decode( file_get_contents( 'php://stdin' ), true );
		$services = MediaWikiServices::getInstance();
		foreach ( $plan['users'] ?? [] as $spec ) {
			$user = User::newFromName( $spec['name'] );
			if ( !$user->isRegistered() ) {
				$status = $services->getAuthManager()->autoCreateUser(
					$user, AuthManager::AUTOCREATE_SOURCE_MAINT, false
				);
				if ( !$status->isGood() ) {
					$this->fatalError( "{$spec['name']}: " . $status->getWikiText() );
				}
			}
			if ( isset( $spec['password'] ) ) {
				$status = $user->changeAuthenticationData( [
					'username' => $user->getName(),
					'password' => $spec['password'],
					'retype' => $spec['password'],
				] );
				if ( !$status->isGood() ) {
					$this->fatalError( "{$spec['name']}: " . $status->getWikiText() );
				}
			}
			$services->getUserGroupManager()->addUserToMultipleGroups( $user, $spec['groups'] ?? [] );
			$options = $services->getUserOptionsManager();
			foreach ( $spec['options'] ?? [] as $name => $value ) {
				$options->setOption( $user, $name, $value );
			}
			$options->saveOptions( $user );
			$this->output( "user {$user->getName()}\n" );
		}
		foreach ( $plan['edits'] ?? [] as $spec ) {
			$title = Title::newFromText( $spec['title'] );
			$performer = isset( $spec['ip'] )
				? $services->getUserFactory()->newAnonymous( $spec['ip'] )
				: User::newFromName( $spec['user'] );
			$page = $services->getWikiPageFactory()->newFromTitle( $title );
			$status = $page->doUserEditContent(
				ContentHandler::makeContent( $spec['text'], $title ),
				$performer,
				$spec['summary']
			);
			if ( !$status->isOK() ) {
				$this->fatalError( "{$spec['title']}: " . $status->getWikiText() );
			}
			$this->output( "edit {$title->getPrefixedText()}\n" );
		}
		foreach ( $plan['watch'] ?? [] as $spec ) {
			$services->getWatchlistManager()->addWatchIgnoringRights(
				User::newFromName( $spec['user'] ), Title::newFromText( $spec['title'] )
			);
		}
		// Edits queue jobs (links tables, recent changes); run them now, not on page views.
		$services->getJobRunner()->run( [ 'maxJobs' => 1000, 'maxTime' => 60 ] );
	}
}

$maintClass = OutreachHelperTestSetup::class;
require_once RUN_MAINTENANCE_IF_MAIN;
