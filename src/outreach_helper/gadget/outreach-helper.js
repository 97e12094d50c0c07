/**
 * Outreach Dashboard Helper: is this user in an Outreach Dashboard course, and who runs it?
 *
 * On User:, User talk: (and their subpages), Special:Contributions/X and
 * Special:DeletedContributions/X this gadget asks the Outreach Dashboard Helper service,
 * once per page view, whether the user is in any course of the Outreach Dashboard
 * (https://outreachdashboard.wmflabs.org). If so, it adds a link to the Tools menu with a
 * light:
 *   green  - an event of one of the user's courses is on right now;
 *   yellow - a course of theirs is active (its edits are tracked), but no event is on;
 *   grey   - they have courses, none of them active.
 * The link opens a dialog that lists the courses (dates, the user's role, facilitators) and
 * copies a {{ping}} for the facilitators. If the service is slow or down, nothing is shown:
 * the gadget never breaks a page.
 *
 * Installation, source and licence (MIT): https://outreach-helper.toolforge.org/
 * Plain ES2017, no build step. Every visible string is a message (outreach-helper-*) with
 * an English default; a wiki translates it by setting the messages before this script runs.
 * Other scripts can listen to mw.hook( 'outreachHelper.ready' ), fired once per page with
 * the outcome: 'event', 'tracking', 'inactive', 'none', 'unavailable' or 'skipped'.
 */
( function () {
	'use strict';

	// ---- Settings ----------------------------------------------------------------------
	// A user can override any of them in their common.js, before this gadget runs:
	//     window.outreachHelperConfig = { apiBase: 'https://example.toolforge.org' };
	const settings = Object.assign( {
		// The Outreach Dashboard Helper service.
		apiBase: 'https://outreach-helper.toolforge.org',
		// The menu that gets the link: 'p-tb' (Tools), 'p-cactions' (More), ...
		portlet: 'p-tb',
		// Milliseconds to wait for the service before giving up quietly.
		timeout: 8000
	}, window.outreachHelperConfig );

	const DASHBOARD = 'https://outreachdashboard.wmflabs.org';
	// Wikimedia asks scripts to say who they are; browsers do not let them set User-Agent.
	const API_USER_AGENT = 'outreach-helper-gadget/1.0 (https://outreach-helper.toolforge.org/)';
	const LINK_ID = 't-outreach-helper';

	const MESSAGES = {
		'outreach-helper-link-event': 'Outreach: event now',
		'outreach-helper-link-tracking': 'Outreach: active course',
		'outreach-helper-link-inactive': 'Outreach: no active course',
		'outreach-helper-tooltip-event': '$1 is in an Outreach Dashboard event happening now',
		'outreach-helper-tooltip-tracking': '$1 is in an active Outreach Dashboard course; no event is on right now',
		'outreach-helper-tooltip-inactive': '$1 has Outreach Dashboard courses, none of them active',
		'outreach-helper-dialog-title': 'Outreach Dashboard courses of $1',
		'outreach-helper-close': 'Close',
		'outreach-helper-loading': 'Loading…',
		'outreach-helper-unavailable': 'The course data is unavailable right now. Please try again later.',
		'outreach-helper-no-courses': 'No courses found.',
		'outreach-helper-state-event': 'Event on now',
		'outreach-helper-state-tracking': 'Active',
		'outreach-helper-state-inactive': 'Not active',
		'outreach-helper-dates': 'Dates',
		'outreach-helper-event-dates': 'Event',
		'outreach-helper-date-range': '$1 – $2',
		'outreach-helper-dates-unknown': 'unknown',
		'outreach-helper-role': 'Role',
		'outreach-helper-role-student': 'Participant',
		'outreach-helper-role-facilitator': 'Facilitator',
		'outreach-helper-role-campus-volunteer': 'Campus volunteer',
		'outreach-helper-role-online-volunteer': 'Online volunteer',
		'outreach-helper-role-staff': 'Wiki Education staff',
		'outreach-helper-facilitators': 'Facilitators',
		'outreach-helper-no-facilitators': 'none listed',
		'outreach-helper-facilitators-unknown': 'unknown',
		'outreach-helper-ping-active': 'Ping the facilitators of the active courses:',
		'outreach-helper-ping-all': 'Ping the facilitators of these courses:',
		// Wikis name their ping template differently; $1 is "Name1|Name2|...".
		'outreach-helper-ping-template': '{{ping|$1}}',
		'outreach-helper-copy': 'Copy',
		'outreach-helper-copied': 'Copied to the clipboard.',
		'outreach-helper-copy-failed': 'Could not copy. Select the text and copy it yourself.',
		'outreach-helper-profile': 'Profile on the Outreach Dashboard'
	};

	// The Dashboard sends English role labels; these are the keys to show them translated.
	const ROLE_KEYS = {
		Student: 'student',
		Instructor: 'facilitator',
		'Campus Volunteer': 'campus-volunteer',
		'Online Volunteer': 'online-volunteer',
		'Wiki Education Staff': 'staff'
	};

	// Loaded twice (a gadget and a common.js import, say)? Act once.
	if ( window.outreachHelperLoaded ) {
		return;
	}
	window.outreachHelperLoaded = true;

	function msg( key, ...params ) {
		return mw.message( key, ...params ).text();
	}

	/** The user this page is about, when it is a page the gadget acts on; else null. */
	function relevantUser() {
		const user = mw.config.get( 'wgRelevantUserName' );
		const namespace = mw.config.get( 'wgNamespaceNumber' );
		const special = mw.config.get( 'wgCanonicalSpecialPageName' );
		const onUserPage = namespace === 2 || namespace === 3;
		const onContributions = special === 'Contributions' || special === 'DeletedContributions';
		if ( !user || !( onUserPage || onContributions ) ) {
			return null;
		}
		// IP addresses and temporary accounts cannot enrol in the Dashboard.
		if ( mw.util.isIPAddress( user, true ) ||
			( mw.util.isTemporaryUser && mw.util.isTemporaryUser( user ) ) ) {
			return null;
		}
		return user;
	}

	function userPath( user ) {
		return '/api/users/' + encodeURIComponent( user.replace( / /g, '_' ) );
	}

	/**
	 * GET a JSON answer from the service. Rejects on network errors, timeouts and non-2xx
	 * answers (the error's `status` is then the HTTP status).
	 */
	async function getJson( path ) {
		const controller = new AbortController();
		const timer = setTimeout( () => controller.abort(), settings.timeout );
		try {
			const response = await fetch( settings.apiBase.replace( /\/+$/, '' ) + path, {
				credentials: 'omit',
				headers: { 'Api-User-Agent': API_USER_AGENT },
				signal: controller.signal
			} );
			if ( !response.ok ) {
				throw Object.assign( new Error( 'HTTP ' + response.status + ' from ' + path ), {
					status: response.status
				} );
			}
			return await response.json();
		} finally {
			clearTimeout( timer );
		}
	}

	/** 'event', 'tracking' or 'inactive' from the status answer; null if no course at all. */
	function lightOf( status ) {
		if ( !status || status.has_any_courses !== true ) {
			return null;
		}
		if ( status.has_active_event ) {
			return 'event';
		}
		return status.has_active_tracking ? 'tracking' : 'inactive';
	}

	// ---- Small DOM helpers -------------------------------------------------------------

	/** An element with properties (role, aria-* and data-* as attributes) and children. */
	function el( tag, props, children ) {
		const node = document.createElement( tag );
		Object.keys( props || {} ).forEach( ( key ) => {
			if ( /^(aria-|data-|role$)/.test( key ) ) {
				node.setAttribute( key, props[ key ] );
			} else {
				node[ key ] = props[ key ];
			}
		} );
		( children || [] ).forEach( ( child ) => {
			if ( child !== null && child !== undefined ) {
				node.append( child );
			}
		} );
		return node;
	}

	function courseUrl( slug ) {
		return DASHBOARD + '/courses/' + slug.split( '/' ).map( encodeURIComponent ).join( '/' );
	}

	function profileUrl( user ) {
		return DASHBOARD + '/users/' + encodeURIComponent( user );
	}

	// ---- Dates in the reader's language ------------------------------------------------

	const dateFormat = ( function () {
		// Course dates are whole UTC days on the Dashboard: show them as such.
		const options = { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' };
		try {
			return new Intl.DateTimeFormat( mw.config.get( 'wgUserLanguage' ), options );
		} catch ( e ) {
			// A language code that is not a valid BCP 47 tag: use the browser's.
			return new Intl.DateTimeFormat( undefined, options );
		}
	}() );

	function dateRange( start, end ) {
		const from = start ? new Date( start ) : null;
		const to = end ? new Date( end ) : null;
		if ( !from || !to || isNaN( from ) || isNaN( to ) ) {
			return null;
		}
		return msg( 'outreach-helper-date-range', dateFormat.format( from ), dateFormat.format( to ) );
	}

	// ---- The dialog --------------------------------------------------------------------

	/** One entry per course (a user enrolled twice in one course has two rows). */
	function groupCourses( courses ) {
		const bySlug = new Map();
		courses.forEach( ( course ) => {
			const seen = bySlug.get( course.course_slug );
			if ( !seen ) {
				bySlug.set( course.course_slug, Object.assign( {}, course, { roles: [ course.user_role ] } ) );
			} else if ( !seen.roles.includes( course.user_role ) ) {
				seen.roles.push( course.user_role );
			}
		} );
		// Events on now first, then active courses, then the rest; newest first within each.
		const rank = ( course ) => ( course.active_event ? 0 : ( course.active ? 1 : 2 ) );
		return Array.from( bySlug.values() ).sort( ( a, b ) => rank( a ) - rank( b ) );
	}

	/** 'event', 'tracking' or 'inactive'; null when the Dashboard did not tell (no badge). */
	function stateOf( course ) {
		if ( course.active_event ) {
			return 'event';
		}
		if ( typeof course.active !== 'boolean' ) {
			return null;
		}
		return course.active ? 'tracking' : 'inactive';
	}

	function roleLabel( label ) {
		const known = Object.prototype.hasOwnProperty.call( ROLE_KEYS, label );
		return known ? msg( 'outreach-helper-role-' + ROLE_KEYS[ label ] ) : label;
	}

	function facilitatorLinks( staff ) {
		if ( !Array.isArray( staff ) ) {
			return [ msg( 'outreach-helper-facilitators-unknown' ) ];
		}
		if ( staff.length === 0 ) {
			return [ msg( 'outreach-helper-no-facilitators' ) ];
		}
		const links = [];
		staff.forEach( ( name, index ) => {
			if ( index > 0 ) {
				links.push( ', ' );
			}
			links.push( el( 'a', {
				className: 'outreach-helper-facilitator',
				href: mw.util.getUrl( 'User talk:' + name ),
				textContent: name
			} ) );
		} );
		return links;
	}

	function renderCourse( course ) {
		const state = stateOf( course );
		const dates = dateRange( course.start, course.end ) || msg( 'outreach-helper-dates-unknown' );
		const rows = [ [ 'outreach-helper-dates', dates ] ];
		const event = dateRange( course.timeline_start, course.timeline_end );
		if ( event && event !== rows[ 0 ][ 1 ] ) {
			rows.push( [ 'outreach-helper-event-dates', event ] );
		}
		rows.push( [ 'outreach-helper-role', course.roles.filter( Boolean ).map( roleLabel ).join( ', ' ) ] );
		const list = el( 'dl' );
		rows.forEach( ( row ) => {
			list.append( el( 'dt', { textContent: msg( row[ 0 ] ) } ), el( 'dd', {}, [ row[ 1 ] ] ) );
		} );
		list.append(
			el( 'dt', { textContent: msg( 'outreach-helper-facilitators' ) } ),
			el( 'dd', {}, facilitatorLinks( course.staff ) )
		);
		const title = el( 'a', {
			className: 'outreach-helper-course-title',
			href: courseUrl( course.course_slug ),
			textContent: course.course_title
		} );
		const badge = state && el( 'span', {
			className: 'outreach-helper-badge outreach-helper-badge-' + state,
			textContent: msg( 'outreach-helper-state-' + state )
		} );
		const school = [ course.course_school, course.course_term ].filter( Boolean ).join( ' · ' );
		return el( 'li', { className: 'outreach-helper-course', 'data-slug': course.course_slug }, [
			el( 'div', { className: 'outreach-helper-course-head' }, [ title, badge ? ' ' : null, badge || null ] ),
			el( 'div', { className: 'outreach-helper-school', textContent: school } ),
			list
		] );
	}

	/** Copy text; falls back to selecting the field where the Clipboard API is refused. */
	async function copyText( text, field ) {
		if ( navigator.clipboard && navigator.clipboard.writeText ) {
			try {
				await navigator.clipboard.writeText( text );
				return true;
			} catch ( e ) {
				// Refused (no permission, not focused): try the old way below.
			}
		}
		try {
			field.select();
			return document.execCommand( 'copy' );
		} catch ( e ) {
			return false;
		}
	}

	function renderPing( names, activeOnly ) {
		const text = mw.message( 'outreach-helper-ping-template', names.join( '|' ) ).plain();
		const label = msg( activeOnly ? 'outreach-helper-ping-active' : 'outreach-helper-ping-all' );
		const field = el( 'input', {
			className: 'outreach-helper-ping-text',
			type: 'text',
			readOnly: true,
			value: text,
			'aria-label': label
		} );
		const feedback = el( 'span', { className: 'outreach-helper-copy-status', role: 'status' } );
		const button = el( 'button', {
			className: 'outreach-helper-copy',
			type: 'button',
			textContent: msg( 'outreach-helper-copy' )
		} );
		button.addEventListener( 'click', async () => {
			const copied = await copyText( text, field );
			feedback.textContent = msg( copied ? 'outreach-helper-copied' : 'outreach-helper-copy-failed' );
		} );
		return el( 'div', { className: 'outreach-helper-ping' }, [
			el( 'div', { textContent: label } ),
			el( 'div', { className: 'outreach-helper-ping-row' }, [ field, button ] ),
			feedback
		] );
	}

	/** The dialog's body once both answers are in. */
	function renderDetails( user, enriched, activeStaff ) {
		const courses = groupCourses( Array.isArray( enriched.courses ) ? enriched.courses : [] );
		const parts = [];
		if ( courses.length === 0 ) {
			parts.push( el( 'p', { textContent: msg( 'outreach-helper-no-courses' ) } ) );
		} else {
			parts.push( el( 'ul', { className: 'outreach-helper-courses' }, courses.map( renderCourse ) ) );
		}
		// Ping those who run the active courses; with none active, those of every course.
		let names = Array.isArray( activeStaff.all_staff ) ? activeStaff.all_staff : [];
		const activeOnly = names.length > 0;
		if ( !activeOnly ) {
			const everyone = new Set();
			courses.forEach( ( course ) => ( course.staff || [] ).forEach( ( name ) => everyone.add( name ) ) );
			names = Array.from( everyone ).sort();
		}
		if ( names.length > 0 ) {
			parts.push( renderPing( names, activeOnly ) );
		}
		parts.push( el( 'p', { className: 'outreach-helper-footer' }, [
			el( 'a', { href: profileUrl( user ), textContent: msg( 'outreach-helper-profile' ) } )
		] ) );
		return parts;
	}

	let dialog = null;
	let details = null; // the answers, fetched once per page view (again after a failure)

	function closeDialog() {
		if ( typeof dialog.element.close === 'function' ) {
			dialog.element.close();
		} else {
			dialog.element.removeAttribute( 'open' );
		}
	}

	function createDialog( user ) {
		const body = el( 'div', { className: 'outreach-helper-body', 'aria-live': 'polite' } );
		const close = el( 'button', {
			className: 'outreach-helper-close',
			type: 'button',
			textContent: '×',
			title: msg( 'outreach-helper-close' ),
			'aria-label': msg( 'outreach-helper-close' )
		} );
		const heading = el( 'h2', {
			id: 'outreach-helper-title',
			textContent: msg( 'outreach-helper-dialog-title', user )
		} );
		const element = el( 'dialog', {
			className: 'outreach-helper-dialog',
			'aria-labelledby': 'outreach-helper-title'
		}, [ el( 'div', { className: 'outreach-helper-header' }, [ heading, close ] ), body ] );
		close.addEventListener( 'click', closeDialog );
		// A click on the backdrop (the dialog element itself, outside its content) closes it.
		element.addEventListener( 'click', ( event ) => {
			if ( event.target === element ) {
				closeDialog();
			}
		} );
		document.body.append( element );
		return { element: element, body: body };
	}

	function show( parts ) {
		dialog.body.textContent = '';
		dialog.body.append( ...parts );
	}

	function note( className, key ) {
		return el( 'p', { className: className, textContent: msg( key ) } );
	}

	function openDialog( user ) {
		if ( !dialog ) {
			dialog = createDialog( user );
		}
		if ( dialog.element.open ) {
			// Already showing.
		} else if ( typeof dialog.element.showModal === 'function' ) {
			dialog.element.showModal();
		} else {
			dialog.element.setAttribute( 'open', '' ); // a browser without <dialog> support
		}
		if ( details ) {
			return; // fetched (or being fetched) already
		}
		show( [ note( 'outreach-helper-loading', 'outreach-helper-loading' ) ] );
		details = Promise.all( [
			getJson( userPath( user ) + '?enrich=true' ),
			getJson( userPath( user ) + '/active-staff' )
		] );
		details.then(
			( answers ) => show( renderDetails( user, answers[ 0 ], answers[ 1 ] ) ),
			( error ) => {
				details = null; // let the next click try again
				mw.log.warn( '[outreach-helper] course details unavailable:', error );
				show( [ note( 'outreach-helper-unavailable', 'outreach-helper-unavailable' ) ] );
			}
		);
	}

	// ---- The portlet link --------------------------------------------------------------

	function addLink( user, light ) {
		if ( document.getElementById( LINK_ID ) ) {
			return;
		}
		const item = mw.util.addPortletLink(
			settings.portlet,
			profileUrl( user ),
			msg( 'outreach-helper-link-' + light ),
			LINK_ID,
			msg( 'outreach-helper-tooltip-' + light, user )
		);
		if ( !item ) {
			return; // this skin has no such menu
		}
		const link = item.querySelector( 'a' );
		link.prepend( el( 'span', {
			className: 'outreach-helper-light outreach-helper-light-' + light,
			'aria-hidden': 'true'
		} ) );
		link.addEventListener( 'click', ( event ) => {
			event.preventDefault();
			openDialog( user );
		} );
	}

	async function run() {
		const user = relevantUser();
		if ( !user ) {
			return 'skipped';
		}
		let status;
		try {
			status = await getJson( userPath( user ) + '/status' );
		} catch ( error ) {
			if ( error.status === 404 ) {
				return 'none'; // the Dashboard does not know this user
			}
			mw.log.warn( '[outreach-helper] status unavailable:', error );
			return 'unavailable';
		}
		const light = lightOf( status );
		if ( !light ) {
			return 'none';
		}
		addLink( user, light );
		return light;
	}

	function start() {
		Object.keys( MESSAGES ).forEach( ( key ) => {
			if ( !mw.messages.exists( key ) ) {
				mw.messages.set( key, MESSAGES[ key ] );
			}
		} );
		run().catch( ( error ) => {
			mw.log.warn( '[outreach-helper] failed:', error );
			return 'unavailable';
		} ).then( ( outcome ) => mw.hook( 'outreachHelper.ready' ).fire( outcome ) );
	}

	mw.loader.using( [ 'mediawiki.util' ] ).then( () => {
		if ( document.readyState === 'loading' ) {
			document.addEventListener( 'DOMContentLoaded', start );
		} else {
			start();
		}
	}, ( error ) => mw.log.warn( '[outreach-helper] could not load its modules:', error ) );
}() );
